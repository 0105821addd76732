using System.Text;
using System.Text.RegularExpressions;

namespace Portage.Core.Ingest;

/// <summary>A run of text under one heading path, as blocks (paragraphs and whole fenced code blocks).</summary>
/// <param name="Headings">Heading titles from the outermost to this section's own; empty before the first heading.</param>
/// <param name="Slugs">The matching slugs (GitHub style, made unique within the document).</param>
/// <param name="Blocks">Paragraphs, lists and fenced code blocks, in order.</param>
internal sealed record Section(IReadOnlyList<string> Headings, IReadOnlyList<string> Slugs, IReadOnlyList<string> Blocks);

/// <summary>
/// Splits Markdown into sections at ATX headings (<c>#</c> … <c>######</c>), and each section into blocks separated by
/// blank lines. Fenced code blocks (<c>```</c> or <c>~~~</c>) are single blocks, and a <c>#</c> line inside one is
/// code, not a heading. Plain text is the same without headings.
/// </summary>
internal static partial class MarkdownSections
{
    public static List<Section> Parse(string text, bool headings)
    {
        var sections = new List<Section>();
        var stack = new List<(int Level, string Title, string Slug)>();
        var usedSlugs = new Dictionary<string, int>(StringComparer.Ordinal);
        var blocks = new List<string>();
        // A paragraph's or a fence's lines are contiguous in the text: a block is the text from its first line to the end
        // of its last, cut once, not its lines copied into a builder (every run's conversation memory is cut here).
        var paragraph = -1;
        var fence = -1;
        string? fenceMarker = null;

        void EndParagraph(int end)
        {
            if (paragraph >= 0)
            {
                blocks.Add(text[paragraph..end].TrimEnd());
                paragraph = -1;
            }
        }

        void EndSection(int end)
        {
            EndParagraph(end);
            if (blocks.Count > 0)
            {
                sections.Add(new Section([.. stack.Select(h => h.Title)], [.. stack.Select(h => h.Slug)], [.. blocks]));
                blocks.Clear();
            }
        }

        for (var start = 0; start <= text.Length;)
        {
            var rest = text.AsSpan(start);
            var length = rest.IndexOf('\n');
            var line = length < 0 ? rest : rest[..length];
            var next = start + line.Length + 1;
            if (fenceMarker is not null)
            {
                if (IsFenceClose(line, fenceMarker))
                {
                    blocks.Add(text[fence..Math.Min(next, text.Length)].TrimEnd());
                    fence = -1;
                    fenceMarker = null;
                }
            }
            else if (MayOpenFence(line) && FenceOpen().Match(line.ToString()) is { Success: true } open)
            {
                EndParagraph(start);
                fenceMarker = open.Groups[1].Value;
                fence = start;
            }
            else if (headings && MayBeHeading(line) && Heading().Match(line.ToString()) is { Success: true } heading)
            {
                EndSection(start);
                var level = heading.Groups[1].Length;
                var title = heading.Groups[2].Value.Trim();
                stack.RemoveAll(h => h.Level >= level);
                var parent = stack.Count > 0 ? stack[^1].Slug + "/" : string.Empty;
                stack.Add((level, title, parent + UniqueSlug(usedSlugs, parent, Slug(title))));
            }
            else if (line.IsWhiteSpace())
            {
                EndParagraph(start);
            }
            else if (paragraph < 0)
            {
                paragraph = start;
            }

            start = next;
        }

        if (fence >= 0)
        {
            blocks.Add(text[fence..].TrimEnd()); // an unclosed fence runs to the end, as in CommonMark
        }

        EndSection(text.Length);
        return sections;
    }

    // Cheap tests of a line's start before its regular expression is run (and the line made a string for it).
    private static bool MayOpenFence(ReadOnlySpan<char> line) => line.TrimStart(' ') is ['`' or '~', ..];

    private static bool MayBeHeading(ReadOnlySpan<char> line) => line.TrimStart(' ') is ['#', ..];

    /// <summary>GitHub's heading anchor: lower case, letters, digits, <c>-</c> and <c>_</c>; spaces become <c>-</c>.</summary>
    public static string Slug(string title)
    {
        var slug = new StringBuilder(title.Length);
        foreach (var c in title.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.Length > 0 ? slug.ToString() : "section";
    }

    private static string UniqueSlug(Dictionary<string, int> used, string parent, string slug)
    {
        var key = parent + slug;
        if (!used.TryGetValue(key, out var count))
        {
            used[key] = 1;
            return slug;
        }

        used[key] = count + 1;
        return $"{slug}-{count}";
    }

    private static bool IsFenceClose(ReadOnlySpan<char> line, string marker)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= marker.Length && !trimmed.ContainsAnyExcept(marker[0]);
    }

    [GeneratedRegex(@"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^ {0,3}(`{3,}|~{3,})")]
    private static partial Regex FenceOpen();
}
