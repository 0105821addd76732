using Portage.Cli.Ingest;

namespace Portage.Cli.Tests.Ingest;

public sealed class FileWalkerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "portage-walker-tests", Guid.NewGuid().ToString("n"));

    [Fact]
    public void Root_and_nested_gitignore_files_are_honoured_and_git_internals_skipped()
    {
        Write("repo/.git/HEAD", "ref: refs/heads/main");
        Write("repo/.gitignore", "*.log\nbuild/\n/secret.md\n");
        Write("repo/README.md", "# Readme");
        Write("repo/app.log", "noise");
        Write("repo/secret.md", "hidden");
        Write("repo/build/out.md", "generated");
        Write("repo/docs/guide.md", "# Guide");
        Write("repo/docs/secret.md", "not anchored here, so kept");
        Write("repo/docs/.gitignore", "drafts/\n!important.log\n");
        Write("repo/docs/drafts/wip.md", "draft");
        Write("repo/docs/important.log", "kept by the nested negation");
        Write("repo/docs/other.log", "still ignored by the root");
        Write("repo/src/build/keep.md", "build/ matches at any depth");

        var result = Walk("repo");

        Assert.Equal(
            ["repo/README.md", "repo/docs/guide.md", "repo/docs/important.log", "repo/docs/secret.md"],
            result.Files.Select(f => f.RelativePath));
        Assert.Empty(result.Skipped);
    }

    [Fact]
    public void Hidden_files_and_folders_are_left_out_unless_asked_for_and_git_always()
    {
        Write("d/.git/config", "x");
        Write("d/.env", "SECRET=1");
        Write("d/.github/workflow.yml", "on: push");
        Write("d/a.md", "a");

        Assert.Equal(["d/a.md"], Walk("d").Files.Select(f => f.RelativePath));
        Assert.Equal(["d/.env", "d/.github/workflow.yml", "d/a.md"], new FileWalker(1000, _root, includeHidden: true).Walk(["d"]).Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void A_subfolder_of_a_repository_honours_the_gitignore_files_above_it()
    {
        Write("repo/.git/HEAD", "ref: refs/heads/main");
        Write("repo/.gitignore", "*.tmp\ndocs/private/\n");
        Write("repo/docs/a.md", "a");
        Write("repo/docs/a.tmp", "scratch");
        Write("repo/docs/private/p.md", "private");

        var result = Walk("repo/docs");

        Assert.Equal(["repo/docs/a.md"], result.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void Outside_a_repository_only_the_gitignore_files_inside_the_walked_folder_count()
    {
        Write(".gitignore", "*.md\n"); // above the walked folder, and no .git anywhere
        Write("notes/a.md", "a");

        Assert.Equal(["notes/a.md"], Walk("notes").Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void Binary_empty_and_oversized_files_are_skipped_with_a_reason()
    {
        Write("d/text.md", "fine");
        Write("d/empty.md", "");
        Write("d/big.md", new string('x', 2000));
        File.WriteAllBytes(Path.Combine(_root, "d/logo.png"), [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]);

        var result = new FileWalker(maxFileBytes: 1000, _root).Walk(["d"]);

        Assert.Equal(["d/text.md"], result.Files.Select(f => f.RelativePath));
        Assert.Equal(
            [("d/big.md", "larger than 1000 bytes"), ("d/empty.md", "empty"), ("d/logo.png", "binary")],
            result.Skipped.Select(s => (s.RelativePath, s.Reason)));
    }

    [Fact]
    public void A_file_named_on_the_command_line_is_taken_even_if_ignored_and_each_file_is_sent_once()
    {
        Write("repo/.git/HEAD", "x");
        Write("repo/.gitignore", "*.log\n");
        Write("repo/keep.log", "asked for by name");
        Write("repo/a.md", "a");

        var result = new FileWalker(1000, _root).Walk(["repo/keep.log", "repo", "repo/a.md"]);

        Assert.Equal(["repo/keep.log", "repo/a.md"], result.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void Paths_outside_the_current_folder_are_named_from_the_folder_holding_the_argument()
    {
        Write("elsewhere/docs/guide.md", "# Guide");
        var current = Path.Combine(_root, "cwd");
        Directory.CreateDirectory(current);

        var result = new FileWalker(1000, current).Walk([Path.Combine(_root, "elsewhere/docs")]);

        Assert.Equal(["docs/guide.md"], result.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void A_missing_path_is_an_error_that_names_it()
    {
        var error = Assert.Throws<CliException>(() => Walk("nope"));

        Assert.Equal("no such file or folder: nope", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private WalkResult Walk(string path) => new FileWalker(1024 * 1024, _root).Walk([path]);

    private void Write(string relativePath, string content)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
