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
        var paragraph = new StringBuilder();
        var fence = new StringBuilder();
        string? fenceMarker = null;

        void EndParagraph()
        {
            if (paragraph.Length > 0)
            {
                blocks.Add(paragraph.ToString().TrimEnd());
                paragraph.Clear();
            }
        }

        void EndSection()
        {
            EndParagraph();
            if (blocks.Count > 0)
            {
                sections.Add(new Section([.. stack.Select(h => h.Title)], [.. stack.Select(h => h.Slug)], [.. blocks]));
                blocks.Clear();
            }
        }

        foreach (var line in text.Split('\n'))
        {
            if (fenceMarker is not null)
            {
                fence.Append(line).Append('\n');
                if (IsFenceClose(line, fenceMarker))
                {
                    blocks.Add(fence.ToString().TrimEnd());
                    fence.Clear();
                    fenceMarker = null;
                }

                continue;
            }

            if (FenceOpen().Match(line) is { Success: true } open)
            {
                EndParagraph();
                fenceMarker = open.Groups[1].Value;
                fence.Append(line).Append('\n');
                continue;
            }

            if (headings && Heading().Match(line) is { Success: true } heading)
            {
                EndSection();
                var level = heading.Groups[1].Length;
                var title = heading.Groups[2].Value.Trim();
                stack.RemoveAll(h => h.Level >= level);
                var parent = stack.Count > 0 ? stack[^1].Slug + "/" : string.Empty;
                stack.Add((level, title, parent + UniqueSlug(usedSlugs, parent, Slug(title))));
                continue;
            }

            if (line.Trim().Length == 0)
            {
                EndParagraph();
            }
            else
            {
                paragraph.Append(line).Append('\n');
            }
        }

        if (fence.Length > 0)
        {
            blocks.Add(fence.ToString().TrimEnd()); // an unclosed fence runs to the end, as in CommonMark
        }

        EndSection();
        return sections;
    }

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

    private static bool IsFenceClose(string line, string marker)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= marker.Length && trimmed.All(c => c == marker[0]);
    }

    [GeneratedRegex(@"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^ {0,3}(`{3,}|~{3,})")]
    private static partial Regex FenceOpen();
}
