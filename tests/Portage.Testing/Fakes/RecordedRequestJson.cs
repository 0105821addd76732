using System.Text.Json;

namespace Portage.Testing.Fakes;

/// <summary>
/// Byte-exact views of a recorded JSON request body, for checks that a continued session's request starts with the
/// previous one unchanged (the condition for a provider's implicit prompt cache to match it).
/// </summary>
public static class RecordedRequestJson
{
    /// <summary>The raw text of a top-level member of the body, or null when it has none.</summary>
    public static string? RawMember(this RecordedRequest request, string member)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var body = JsonDocument.Parse(request.Body);
        return body.RootElement.TryGetProperty(member, out var value) ? value.GetRawText() : null;
    }

    /// <summary>The raw text of each element of a top-level array member of the body, in order.</summary>
    public static List<string> RawElements(this RecordedRequest request, string member)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var body = JsonDocument.Parse(request.Body);
        return [.. body.RootElement.GetProperty(member).EnumerateArray().Select(e => e.GetRawText())];
    }

    /// <summary>
    /// Null when <paramref name="later"/> starts with <paramref name="earlier"/> unchanged: the members named
    /// <paramref name="same"/> (system prompt, tools) byte-equal, and the array <paramref name="list"/> beginning with all
    /// of the earlier one's elements; otherwise what differs.
    /// </summary>
    public static string? PrefixDifference(RecordedRequest earlier, RecordedRequest later, string list, params string[] same)
    {
        foreach (var member in same)
        {
            if (earlier.RawMember(member) is not { } before)
            {
                return $"the earlier request has no {member}";
            }

            if (before != later.RawMember(member))
            {
                return $"{member} changed";
            }
        }

        var first = earlier.RawElements(list);
        var second = later.RawElements(list);
        var changed = first.Select((element, i) => (element, i)).FirstOrDefault(p => p.i >= second.Count || second[p.i] != p.element);
        return changed.element is null ? null : $"{list}[{changed.i}] changed";
    }
}
