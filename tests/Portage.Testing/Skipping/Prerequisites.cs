namespace Portage.Testing.Skipping;

/// <summary>
/// What a test does when something it needs from the machine is missing (Chromium, a PostgreSQL server): skip with the
/// reason, so the README's <c>dotnet test</c> passes on a machine with only the .NET SDK; unless
/// <c>PORTAGE_TEST_REQUIRE</c> names that prerequisite, as CI's <c>.ci/run</c> does, where a skip would hide tests
/// that never ran: then the test fails with the same reason.
/// </summary>
public static class Prerequisites
{
    /// <summary>Comma-separated prerequisites whose absence fails the tests instead of skipping them (e.g. <c>chromium,postgres</c>).</summary>
    public const string RequireVariable = "PORTAGE_TEST_REQUIRE";

    /// <summary>The prerequisite name of Debian's Chromium, for the console's browser tests.</summary>
    public const string Chromium = "chromium";

    /// <summary>The prerequisite name of the test PostgreSQL server.</summary>
    public const string Postgres = "postgres";

    /// <summary>
    /// The exception to throw because <paramref name="name"/> is missing: a <see cref="SkipException"/> with
    /// <paramref name="reason"/>, or, when <paramref name="required"/> (default: <c>PORTAGE_TEST_REQUIRE</c>) lists the
    /// name, an ordinary failure saying so.
    /// </summary>
    public static Exception Missing(string name, string reason, string? required = null)
    {
        required ??= Environment.GetEnvironmentVariable(RequireVariable);
        var listed = (required ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Contains(name, StringComparer.OrdinalIgnoreCase);
        return listed
            ? new InvalidOperationException($"{reason} ({RequireVariable}={required} requires {name}: not skipped)")
            : new SkipException(reason);
    }
}
