using Portage.Cli.Ingest;

namespace Portage.Cli.Tests.Ingest;

public sealed class GitIgnoreTests
{
    [Theory]
    [InlineData("*.log", "debug.log", false, true)]
    [InlineData("*.log", "deep/down/debug.log", false, true)]
    [InlineData("*.log", "debug.log.txt", false, null)]
    [InlineData("build/", "build", true, true)]
    [InlineData("build/", "src/build", true, true)]
    [InlineData("build/", "build", false, null)]
    [InlineData("/dist", "dist", true, true)]
    [InlineData("/dist", "app/dist", true, null)]
    [InlineData("docs/*.tmp", "docs/a.tmp", false, true)]
    [InlineData("docs/*.tmp", "docs/sub/a.tmp", false, null)]
    [InlineData("docs/*.tmp", "other/docs/a.tmp", false, null)]
    [InlineData("**/cache", "cache", true, true)]
    [InlineData("**/cache", "a/b/cache", true, true)]
    [InlineData("logs/**", "logs/a/b.txt", false, true)]
    [InlineData("logs/**", "logs", true, null)]
    [InlineData("a/**/b", "a/b", false, true)]
    [InlineData("a/**/b", "a/x/y/b", false, true)]
    [InlineData("a/**/b", "c/a/x/b", false, null)]
    [InlineData("file?.md", "file1.md", false, true)]
    [InlineData("file?.md", "file12.md", false, null)]
    [InlineData("[ab].txt", "a.txt", false, true)]
    [InlineData("[ab].txt", "c.txt", false, null)]
    [InlineData("[!ab].txt", "c.txt", false, true)]
    [InlineData("\\#notes", "#notes", false, true)]
    [InlineData("\\!important", "!important", false, true)]
    [InlineData("trailing   ", "trailing", false, true)]
    [InlineData("# a comment", "# a comment", false, null)]
    [InlineData("", "anything", false, null)]
    public void Patterns_follow_gitignore_rules(string pattern, string path, bool isDirectory, bool? ignored) =>
        Assert.Equal(ignored, GitIgnore.Parse("/repo", pattern).Match(path, isDirectory));

    [Fact]
    public void The_last_matching_pattern_wins_and_negation_re_includes()
    {
        var ignore = GitIgnore.Parse("/repo", "*.log\n!keep.log\n# comment\n\ntemp*\n!temp-keep/\n");

        Assert.True(ignore.Match("a.log", false));
        Assert.False(ignore.Match("keep.log", false));
        Assert.False(ignore.Match("logs/keep.log", false));
        Assert.True(ignore.Match("temp1", false));
        Assert.False(ignore.Match("temp-keep", true));
        Assert.True(ignore.Match("temp-keep", false));
        Assert.Null(ignore.Match("readme.md", false));
    }

    [Fact]
    public void A_pattern_git_cannot_read_is_left_out_rather_than_failing()
    {
        var ignore = GitIgnore.Parse("/repo", "[z-a].md\n*.bak\n");

        Assert.True(ignore.Match("old.bak", false));
        Assert.Null(ignore.Match("x.md", false));
    }
}
