using System.Text.RegularExpressions;
using Portage.Testing.Skipping;

namespace Portage.Server.Tests.Readme;

/// <summary>
/// README.md, executed: every ```sh and ```csharp block in the order a reader pastes them, against a live router
/// started as the README's first command says, each output block under a run block matched against what it printed
/// (see <see cref="ReadmeDocument"/> for the convention and <see cref="ReadmeSession"/> for how the blocks run).
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    [Fact]
    public void Every_skip_marker_gives_its_reason_and_stands_above_a_block()
    {
        var readme = ReadmeDocument.LoadRepository();
        Assert.Empty(readme.MarkerErrors);
        Assert.All(readme.Fences.Where(f => f.SkipReason is not null), f => Assert.False(string.IsNullOrWhiteSpace(f.SkipReason), f.ToString()));
    }

    [Fact]
    public void The_first_block_is_the_two_commands_start_the_router_and_run_the_tests()
    {
        var first = ReadmeDocument.LoadRepository().Fences.First(f => f.IsShell);
        var commands = first.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('#')[0].Trim()).ToList();
        Assert.Equal(["dotnet run --project src/Portage.Server", "dotnet test"], commands);
        Assert.Null(first.SkipReason);
    }

    [Fact]
    public void The_readme_and_docs_link_only_to_files_of_the_repository()
    {
        var root = ReadmeDocument.RepositoryRoot();
        var documents = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        foreach (var document in documents)
        {
            var text = File.ReadAllText(document);
            Assert.DoesNotContain("../shared", text, StringComparison.Ordinal);
            foreach (Match link in MarkdownLink().Matches(text))
            {
                var target = link.Groups["target"].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal))
                {
                    continue;
                }

                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, target));
                Assert.True(resolved.StartsWith(root, StringComparison.Ordinal) && Path.Exists(resolved),
                    $"{Path.GetRelativePath(root, document)} links to {target}, which is not a file of the repository.");
            }
        }
    }

    [Fact]
    public async Task Every_block_of_the_readme_runs_in_order_against_a_live_router_and_prints_what_the_readme_shows()
    {
        foreach (var tool in new[] { "jq", "curl", "bash" })
        {
            if (!Path.Exists("/usr/bin/" + tool) && !Path.Exists("/bin/" + tool))
            {
                throw Prerequisites.Missing(tool, $"The README's shell blocks need {tool}: apt-get install {tool}");
            }
        }

        var readme = ReadmeDocument.LoadRepository();
        var start = readme.Fences.First(f => f.IsShell);
        var blocks = readme.Runnable.Where(f => f != start).ToList();
        Assert.Contains(blocks, b => b.IsCSharp);
        Assert.Contains(blocks, b => b.TypedLines.Any());

        using var session = new ReadmeSession(readme);
        await session.StartRouterAsync(CancellationToken.None);
        var before = Directory.GetFileSystemEntries(session.Root).Order().ToList();
        var outputs = await session.RunAsync(blocks, CancellationToken.None);

        foreach (var block in blocks.Where(b => b.Output is not null))
        {
            var missing = ReadmeSession.FirstMissingLine(block.ExpectedLines, outputs[block]);
            Assert.True(missing is null, $"{block} did not print the line\n  {missing}\nof its output block (README.md line {block.Output!.Line}); it printed:\n{outputs[block]}");
        }

        // Nothing left behind where the reader pasted the blocks (no stream files in the repository).
        Assert.Equal(before, Directory.GetFileSystemEntries(session.Root).Order().ToList());
    }

    [Fact]
    public void An_output_line_matches_with_the_ellipsis_standing_for_anything_in_order()
    {
        const string Output = "header\nEcho said: \"a (b)\". Previous: \"x\".\nsecond\n";
        Assert.Null(ReadmeSession.FirstMissingLine(["Echo said: \"a (b)\". Previous: \"…\".", "second"], Output));
        Assert.Equal("header", ReadmeSession.FirstMissingLine(["second", "header"], Output));
        Assert.Equal("Echo said", ReadmeSession.FirstMissingLine(["Echo said"], Output));
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
