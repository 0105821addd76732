using System.Text.RegularExpressions;

namespace Portage.Server.Tests.Readme;

/// <summary>
/// The fenced code blocks of the repository's README.md, read at test time, in order. The convention the README
/// follows (and <see cref="ReadmeSnippetTests"/> checks):
/// <list type="bullet">
/// <item>```sh (or ```bash) blocks are run, in order, by one bash, as a reader pastes them into one terminal; the
/// first one is the README's two commands (start the router, run the tests) and is what the harness does itself.</item>
/// <item>```csharp blocks are compiled as a console program and run at their place in that order.</item>
/// <item>A ```text block that directly follows a run block (no line between) is that block's output: each of its
/// lines must appear in the output, in order, <c>…</c> standing for anything; its <c>&gt; </c> lines are what a person
/// types, fed to the block's standard input.</item>
/// <item><c>&lt;!-- readme-test: skip (reason) --&gt;</c> on the line above a fence: not run (the reason is required).</item>
/// <item>Any other block (text, json, a layout) is never run.</item>
/// </list>
/// </summary>
internal sealed partial class ReadmeDocument
{
    private ReadmeDocument(string path, IReadOnlyList<Fence> fences, IReadOnlyList<string> markerErrors)
    {
        Path = path;
        Fences = fences;
        MarkerErrors = markerErrors;
    }

    public string Path { get; }

    public IReadOnlyList<Fence> Fences { get; }

    /// <summary>Skip markers without a reason or without a fence under them.</summary>
    public IReadOnlyList<string> MarkerErrors { get; }

    /// <summary>The blocks that are run, each with the output block that follows it, if any.</summary>
    public IEnumerable<Fence> Runnable => Fences.Where(f => f.IsRunnable && f.SkipReason is null);

    public static ReadmeDocument Load(string path)
    {
        var lines = File.ReadAllLines(path);
        var fences = new List<Fence>();
        var errors = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Contains("readme-test:", StringComparison.Ordinal))
            {
                var marker = SkipMarker().Match(line.Trim());
                if (!marker.Success)
                {
                    errors.Add($"line {i + 1}: a readme-test marker must read <!-- readme-test: skip (reason) -->: {line.Trim()}");
                }
                else if (i + 1 >= lines.Length || !lines[i + 1].StartsWith("```", StringComparison.Ordinal))
                {
                    errors.Add($"line {i + 1}: a skip marker must stand directly above a fence");
                }

                continue;
            }

            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = line[3..].Trim();
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            var skip = start > 0 ? SkipMarker().Match(lines[start - 1].Trim()) : Match.Empty;
            var fence = new Fence(language, string.Join('\n', body) + "\n", start + 1, skip.Success ? skip.Groups["reason"].Value.Trim() : null);
            if (fences.Count > 0 && fences[^1] is { IsRunnable: true } previous && previous.EndLine == start && language == "text")
            {
                previous.Output = fence;
            }

            fence.EndLine = i + 1;
            fences.Add(fence);
        }

        return new ReadmeDocument(path, fences, errors);
    }

    /// <summary>The README of the repository this test assembly was built from.</summary>
    public static ReadmeDocument LoadRepository() => Load(System.IO.Path.Combine(RepositoryRoot(), "README.md"));

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Portage.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Portage.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^<!-- readme-test: skip \((?<reason>[^)]*\S[^)]*)\) -->$")]
    private static partial Regex SkipMarker();
}

/// <summary>One fenced block: its language, text, 1-based line of the opening fence and skip reason.</summary>
internal sealed class Fence(string language, string text, int line, string? skipReason)
{
    public string Language { get; } = language;

    public string Text { get; } = text;

    public int Line { get; } = line;

    public string? SkipReason { get; } = skipReason;

    /// <summary>The line of the closing fence (1-based).</summary>
    public int EndLine { get; set; }

    public bool IsShell => Language is "sh" or "bash";

    public bool IsCSharp => Language == "csharp";

    public bool IsRunnable => IsShell || IsCSharp;

    /// <summary>The ```text block directly under this one: its expected output and typed input.</summary>
    public Fence? Output { get; set; }

    /// <summary>The <c>&gt; </c> lines of the output block, without the prompt: what a person types.</summary>
    public IEnumerable<string> TypedLines =>
        Output is null ? [] : Output.Text.Split('\n').Where(l => l.StartsWith("> ", StringComparison.Ordinal)).Select(l => l[2..]);

    /// <summary>The output block's other non-empty lines: what the block must print, in order.</summary>
    public IEnumerable<string> ExpectedLines =>
        Output is null ? [] : Output.Text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("> ", StringComparison.Ordinal) && l != ">");

    public override string ToString() => $"README.md line {Line} (```{Language})";
}
