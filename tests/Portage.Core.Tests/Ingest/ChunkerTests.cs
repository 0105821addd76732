using System.Security.Cryptography;
using System.Text;
using Portage.Core.Ingest;

namespace Portage.Core.Tests.Ingest;

public sealed class ChunkerTests
{
    private const string Guide = """
        Intro before any heading.

        # Guide

        Welcome to the guide.

        ## Install

        Download the installer.

        ### Linux

        Use the tarball.

        ## Configure

        Edit the settings file.
        """;

    private static readonly Chunker s_chunker = new();

    [Fact]
    public void Markdown_chunks_carry_the_heading_breadcrumb_and_a_section_id_per_level()
    {
        var chunks = s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md"));

        Assert.Equal(
            ["guide.md", "guide.md › Guide", "guide.md › Guide › Install", "guide.md › Guide › Install › Linux", "guide.md › Guide › Configure"],
            chunks.Select(c => c.Breadcrumb));
        Assert.Equal(["Intro before any heading.", "Welcome to the guide.", "Download the installer.", "Use the tarball.", "Edit the settings file."],
            chunks.Select(c => c.Content));
        Assert.Equal(["file:docs/guide.md", "section:docs/guide.md#guide", "section:docs/guide.md#guide/install", "section:docs/guide.md#guide/install/linux"],
            chunks[3].CanonicalPath.SkipLast(1));
        Assert.Equal(["file:docs/guide.md"], chunks[0].CanonicalPath.SkipLast(1));
        Assert.All(chunks, c => Assert.StartsWith("chunk:", c.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_is_recognised_by_extension_when_the_source_type_is_plain_text()
    {
        var chunks = s_chunker.Chunk(Input(Guide, "text", "docs/guide.md"));

        Assert.Equal("guide.md › Guide › Install", chunks[2].Breadcrumb);
    }

    [Fact]
    public void Repeated_headings_get_unique_slugs()
    {
        var chunks = s_chunker.Chunk(Input("# A\n\n## Notes\n\none\n\n## Notes\n\ntwo\n\n# B\n\n## Notes\n\nthree", "markdown", "n.md"));

        Assert.Equal(["section:n.md#a/notes", "section:n.md#a/notes-1", "section:n.md#b/notes"], chunks.Select(c => c.CanonicalPath[^2]));
    }

    [Fact]
    public void A_fenced_code_block_stays_whole_and_a_hash_line_inside_it_is_not_a_heading()
    {
        var fence = "```bash\n# not a heading\necho one\n\necho two\n```";
        var chunks = s_chunker.Chunk(Input($"# Setup\n\nRun this:\n\n{fence}\n\nDone.", "markdown", "setup.md"));

        var chunk = Assert.Single(chunks);
        Assert.Equal("setup.md › Setup", chunk.Breadcrumb);
        Assert.Equal($"Run this:\n\n{fence}\n\nDone.", chunk.Content);
    }

    [Fact]
    public void Blocks_are_packed_up_to_the_budget_and_never_cut_when_they_fit()
    {
        var chunker = new Chunker(maxTokens: 50, overlapTokens: 0); // 200 characters
        var paragraphs = Enumerable.Range(1, 6).Select(i => $"Paragraph {i} " + new string('x', 70)).ToList(); // 82 characters each

        var chunks = chunker.Chunk(Input(string.Join("\n\n", paragraphs), "text", "notes.txt"));

        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.True(c.Content.Length <= 200, c.Content));
        Assert.Equal(paragraphs, chunks.SelectMany(c => c.Content.Split("\n\n")));
    }

    [Fact]
    public void A_long_section_becomes_chunks_within_the_budget_that_overlap()
    {
        var chunker = new Chunker(maxTokens: 50, overlapTokens: 10); // 200 characters, 40 overlap
        var words = Enumerable.Range(1, 200).Select(i => $"w{i}").ToList();
        var text = "# Long\n\n" + string.Join(' ', words);

        var chunks = chunker.Chunk(Input(text, "markdown", "long.md"));

        Assert.True(chunks.Count > 4);
        Assert.All(chunks, c => Assert.True(c.Content.Length <= 200, $"{c.Content.Length}: {c.Content}"));
        Assert.All(chunks, c => Assert.Equal("long.md › Long", c.Breadcrumb));
        for (var i = 1; i < chunks.Count; i++)
        {
            var previousWords = chunks[i - 1].Content.Split(' ');
            var firstWord = chunks[i].Content.Split(' ')[0];
            Assert.Contains(firstWord, previousWords); // the next chunk starts inside the previous one
            Assert.NotEqual(previousWords[0], firstWord);
        }

        Assert.Equal(words, chunks.SelectMany(c => c.Content.Split(' ')).Distinct());
    }

    [Fact]
    public void A_code_block_over_the_budget_is_cut_at_line_ends()
    {
        var chunker = new Chunker(maxTokens: 40, overlapTokens: 5); // 160 characters
        var lines = Enumerable.Range(1, 30).Select(i => $"let value{i:00} = {i};").ToList();
        var text = "# Code\n\n```js\n" + string.Join('\n', lines) + "\n```";

        var chunks = chunker.Chunk(Input(text, "markdown", "code.md"));

        Assert.True(chunks.Count > 2);
        Assert.All(chunks, c => Assert.True(c.Content.Length <= 160));
        Assert.All(chunks.SelectMany(c => c.Content.Split('\n')), line => Assert.True(line.StartsWith("let value", StringComparison.Ordinal) || line.StartsWith("```", StringComparison.Ordinal), line));
        Assert.Equal(lines, chunks.SelectMany(c => c.Content.Split('\n')).Where(l => l.StartsWith("let", StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public void Code_is_cut_into_top_level_units_named_by_what_they_declare()
    {
        var chunker = new Chunker(maxTokens: 25, overlapTokens: 0); // 100 characters: one unit per chunk
        const string code = """
            import os

            def charge_card(card, amount):
                total = amount * 100

                return gateway.charge(card, total)

            class Refund:
                def apply(self):
                    pass
            """;

        var chunks = chunker.Chunk(Input(code, "text", "billing/payments.py"));

        Assert.Equal(["payments.py", "payments.py › charge_card", "payments.py › Refund"], chunks.Select(c => c.Breadcrumb));
        Assert.Contains("return gateway.charge(card, total)", chunks[1].Content, StringComparison.Ordinal); // the blank line inside stays
        Assert.Equal(["file:billing/payments.py", "symbol:billing/payments.py#charge_card"], chunks[1].CanonicalPath.SkipLast(1));
    }

    [Fact]
    public void Source_type_code_wins_over_the_extension()
    {
        Assert.Equal("code", Chunker.ModeOf("code", "notes.txt"));
        Assert.Equal("markdown", Chunker.ModeOf("markdown", "main.py"));
        Assert.Equal("code", Chunker.ModeOf("text", "src/main.go"));
        Assert.Equal("text", Chunker.ModeOf("text", "notes.txt"));
        Assert.Equal("text", Chunker.ModeOf("note", null));
        Assert.Equal("conversation", Chunker.ModeOf("Conversation", "chat.md"));
    }

    [Fact]
    public void Plain_text_is_cut_into_paragraphs_under_the_file_name()
    {
        var chunker = new Chunker(maxTokens: 20, overlapTokens: 0);
        var chunks = chunker.Chunk(Input("First paragraph about apples and pears.\n\nSecond paragraph about plums and cherries.", "text", "fruit.txt"));

        Assert.Equal(["First paragraph about apples and pears.", "Second paragraph about plums and cherries."], chunks.Select(c => c.Content));
        Assert.All(chunks, c => Assert.Equal("fruit.txt", c.Breadcrumb));
        Assert.All(chunks, c => Assert.Equal("file:fruit.txt", c.CanonicalPath[0]));
    }

    [Fact]
    public void Text_without_a_file_has_a_document_root_derived_from_its_content()
    {
        var one = s_chunker.Chunk(Input("A note about zebras.", "note", null)).Single();
        var again = s_chunker.Chunk(Input("A note about zebras.", "note", null)).Single();
        var other = s_chunker.Chunk(Input("A note about lions.", "note", null)).Single();

        Assert.Equal("document", one.Breadcrumb);
        Assert.Matches("^doc:[0-9a-f]{16}$", one.CanonicalPath[0]);
        Assert.Equal(one.CanonicalPath, again.CanonicalPath);
        Assert.NotEqual(one.CanonicalPath[0], other.CanonicalPath[0]);
    }

    [Fact]
    public void Conversation_turns_are_filed_under_their_source_and_speaker()
    {
        var chunk = s_chunker.Chunk(new ChunkInput("sb_1", "ds_w", "u-1", "My dog is called Biscuit.", "conversation", null, "Ada")).Single();

        Assert.Equal("conversation › Ada", chunk.Breadcrumb);
        Assert.Equal("conversation:ds_w", chunk.CanonicalPath[0]);
        Assert.Equal("My dog is called Biscuit.", chunk.Content);
    }

    [Fact]
    public void Ids_are_stable_and_change_only_with_what_they_are_derived_from()
    {
        var first = s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md"));
        var again = s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md"));
        var edited = s_chunker.Chunk(Input(Guide.Replace("Use the tarball.", "Use the package.", StringComparison.Ordinal), "markdown", "docs/guide.md"));

        Assert.Equal(first.Select(c => c.Id), again.Select(c => c.Id));
        Assert.Equal(1, first.Zip(edited).Count(p => p.First.Id != p.Second.Id));
        Assert.NotEqual(first[3].Id, edited[3].Id);

        var leaf = first[1].Id;
        Assert.NotEqual(leaf, s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md") with { SandboxId = "sb_2" })[1].Id);
        Assert.NotEqual(leaf, s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md") with { DataSourceId = "ds_2" })[1].Id);
        Assert.NotEqual(leaf, s_chunker.Chunk(Input(Guide, "markdown", "docs/guide.md") with { EndUserId = "u-2" })[1].Id);
        Assert.NotEqual(leaf, s_chunker.Chunk(Input(Guide, "markdown", "docs/guide2.md"))[1].Id);
    }

    [Fact]
    public void Hash_and_token_estimate_describe_the_content_and_line_endings_do_not_matter()
    {
        var lf = s_chunker.Chunk(Input("# T\n\nline one\nline two", "markdown", "t.md")).Single();
        var crlf = s_chunker.Chunk(Input("# T\r\n\r\nline one\r\nline two", "markdown", "t.md")).Single();

        Assert.Equal(lf, crlf with { CanonicalPath = lf.CanonicalPath });
        Assert.Equal(lf.CanonicalPath, crlf.CanonicalPath);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("line one\nline two"))), lf.ContentHash);
        Assert.Equal(("line one\nline two".Length + 3) / 4, lf.TokenEstimate);
    }

    [Fact]
    public void Empty_or_blank_text_has_no_chunks()
    {
        Assert.Empty(s_chunker.Chunk(Input("\n\n   \n", "markdown", "empty.md")));
        Assert.Empty(s_chunker.Chunk(Input("# Only a heading", "markdown", "h.md")));
    }

    private static ChunkInput Input(string text, string sourceType, string? filePath) => new("sb_1", "ds_1", null, text, sourceType, filePath);
}
