using Portage.Core.Errors;

namespace Portage.Core.Retrieval;

/// <summary>
/// The <c>preset</c> a retrieval call may name (copass-compat §6.5): the SDK's <c>copass/copass_1.0</c> and
/// <c>copass/copass_2.0</c>, their aliases <c>copass/1.0</c> and <c>copass/2.0</c>, and the API reference's
/// <c>fast</c>, <c>auto</c>, <c>discover</c>, <c>sql</c> and <c>max</c>, all answered with Portage's one ranking;
/// <c>&lt;preset&gt;:thinking</c> only on search. Anything else is 400 <c>invalid_preset</c>, rather than run as if a
/// preset Portage does not know had been honoured.
/// </summary>
public static class RetrievalPresets
{
    /// <summary>The suffix of a thinking preset.</summary>
    public const string Thinking = ":thinking";

    /// <summary>Every base preset accepted, in the order the error detail lists them.</summary>
    public static IReadOnlyList<string> Known { get; } =
        ["copass/copass_1.0", "copass/copass_2.0", "copass/1.0", "copass/2.0", "fast", "auto", "discover", "sql", "max"];

    /// <summary>Refuses an unknown preset, and a thinking preset unless <paramref name="thinkingAllowed"/> (search).</summary>
    /// <param name="preset">The request's preset; null names none.</param>
    /// <param name="operation"><c>discover</c>, <c>interpret</c> or <c>search</c>, for the error detail.</param>
    /// <param name="thinkingAllowed">Whether <c>&lt;preset&gt;:thinking</c> is accepted (search only).</param>
    public static void Validate(string? preset, string operation, bool thinkingAllowed)
    {
        if (preset is null)
        {
            return;
        }

        var thinking = preset.EndsWith(Thinking, StringComparison.Ordinal);
        var basePreset = thinking ? preset[..^Thinking.Length] : preset;
        if (!Known.Contains(basePreset, StringComparer.Ordinal))
        {
            throw PortageException.BadRequest("invalid_preset",
                $"preset is one of {string.Join(", ", Known)}{(thinkingAllowed ? $", each also with {Thinking}" : "")}, or omitted (copass/copass_1.0).");
        }

        if (thinking && !thinkingAllowed)
        {
            throw PortageException.BadRequest("invalid_preset",
                $"{Thinking} presets are for search only; {operation} takes {basePreset} without {Thinking}, or no preset.");
        }
    }
}
