using Portage.Core.Ingest;

namespace Portage.Core.Tests.Ingest;

/// <summary>How Markdown is cut into sections and blocks: a block is the text of its lines, trailing blanks trimmed.</summary>
public sealed class MarkdownSectionsTests
{
    [Fact]
    public void Paragraphs_end_at_blank_lines_fences_and_headings_and_a_heading_inside_a_fence_is_code()
    {
        const string Text = "Intro line one\nline two  \n \t \n```sh\n# not a heading\n\nstill code\n```\nafter the fence\n## Next ##\nlast";

        var sections = MarkdownSections.Parse(Text, headings: true);

        Assert.Equal(2, sections.Count);
        Assert.Equal(["Intro line one\nline two", "```sh\n# not a heading\n\nstill code\n```", "after the fence"], sections[0].Blocks);
        Assert.Equal(["Next"], sections[1].Headings);
        Assert.Equal(["last"], sections[1].Blocks);
    }

    [Fact]
    public void An_unclosed_fence_runs_to_the_end_and_plain_text_has_no_headings()
    {
        var fenced = MarkdownSections.Parse("text\n~~~\ncode\n# inside\n\n", headings: true);
        var plain = MarkdownSections.Parse("# Title\nbody\n\n\nnext\n", headings: false);

        Assert.Equal(["text", "~~~\ncode\n# inside"], Assert.Single(fenced).Blocks);
        Assert.Equal(["# Title\nbody", "next"], Assert.Single(plain).Blocks);
        Assert.Empty(MarkdownSections.Parse("", headings: true));
        Assert.Empty(MarkdownSections.Parse("\n \n", headings: false));
    }
}
