namespace Portage.Testing.Skipping;

/// <summary>
/// Thrown by a test (or its fixture's set-up) that cannot run here, for example without a PostgreSQL server. In an
/// assembly that runs under <see cref="DynamicSkipTestFramework"/> the test is reported skipped with this message as
/// the reason, not failed (xunit 2 has no <c>Assert.Skip</c>).
/// </summary>
public sealed class SkipException(string reason) : Exception(reason)
{
    /// <summary>Skips the current test with <paramref name="reason"/>.</summary>
    public static void Now(string reason) => throw new SkipException(reason);
}
