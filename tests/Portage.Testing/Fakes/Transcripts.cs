using System.Text;

namespace Portage.Testing.Fakes;

/// <summary>
/// The provider wire transcripts of <c>Transcripts/</c> (copied byte for byte from provider-protocols.md), embedded in
/// this assembly so line endings survive: a CRLF transcript stays CRLF.
/// </summary>
public static class Transcripts
{
    /// <summary>The transcript at <paramref name="name"/>, for example <c>anthropic/text.sse</c>.</summary>
    public static string Read(string name)
    {
        using var stream = typeof(Transcripts).Assembly.GetManifestResourceStream("Transcripts/" + name)
            ?? throw new FileNotFoundException($"No embedded transcript 'Transcripts/{name}'. Embedded: {string.Join(", ", Names())}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>All embedded transcript names.</summary>
    public static IEnumerable<string> Names() =>
        typeof(Transcripts).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("Transcripts/", StringComparison.Ordinal));

    /// <summary>Splits an SSE body after each blank line, keeping every byte (so the chunks concatenate to the input).</summary>
    public static IReadOnlyList<string> SplitEvents(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var chunks = new List<string>();
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var end = body.AsSpan(i).StartsWith("\r\n\r\n") ? i + 4 : body.AsSpan(i).StartsWith("\n\n") ? i + 2 : -1;
            if (end > 0)
            {
                chunks.Add(body[start..end]);
                start = end;
                i = end - 1;
            }
        }

        if (start < body.Length)
        {
            chunks.Add(body[start..]);
        }

        return chunks;
    }
}
