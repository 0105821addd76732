using System.Text.Json;

namespace Portage.Server.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: its keyword (upper case) and the rest of its (joined) lines.</summary>
internal sealed record Instruction(string Keyword, string Arguments)
{
    /// <summary>The JSON array of an exec-form instruction (<c>["dotnet", "x.dll"]</c>).</summary>
    public IReadOnlyList<string> ExecForm(string? after = null)
    {
        var text = after is null ? Arguments : Arguments[(Arguments.IndexOf(after, StringComparison.Ordinal) + after.Length)..];
        return JsonSerializer.Deserialize<string[]>(text.Trim()) ?? throw new InvalidOperationException($"{Keyword} {Arguments} is not in exec form.");
    }
}

/// <summary>A stage: its base image, its name (<c>AS build</c>) and its instructions.</summary>
internal sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public Instruction Last(string keyword) => Instructions.Last(i => i.Keyword == keyword);

    /// <summary>The variables of the stage's <c>ENV</c> instructions (<c>KEY=value</c> pairs, unquoted).</summary>
    public Dictionary<string, string> Environment() => All("ENV")
        .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(pair => pair[0], pair => pair[1].Trim('"'), StringComparer.Ordinal);
}

/// <summary>
/// The Dockerfile as the builder reads it: comment lines dropped, lines ending in a backslash joined, one instruction
/// per logical line, grouped into stages by <c>FROM</c>. Enough of the format for this repository's file.
/// </summary>
internal static class Dockerfile
{
    public static IReadOnlyList<Stage> Parse(string text)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        var logical = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && logical.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1].TrimEnd() + " ";
                continue;
            }

            logical += line;
            if (logical.Trim().Length == 0)
            {
                logical = "";
                continue;
            }

            var parts = logical.Trim().Split(' ', 2);
            logical = "";
            var instruction = new Instruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1].Trim() : "");
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                current = [];
                stages.Add(new Stage(words[0], words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, current));
                continue;
            }

            (current ?? throw new InvalidOperationException($"{instruction.Keyword} before any FROM")).Add(instruction);
        }

        return stages;
    }
}

/// <summary>
/// <c>.dockerignore</c> as used here: <c>**/name</c> leaves out any file or folder of that name anywhere; any other
/// pattern (a name or a simple glob) leaves out that entry of the context's root.
/// </summary>
internal sealed class DockerIgnore(IReadOnlyList<string> patterns)
{
    public static DockerIgnore Parse(string text) => new([.. text.ReplaceLineEndings("\n").Split('\n')
        .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))]);

    public IReadOnlyList<string> Patterns => patterns;

    /// <summary>Whether a path of the context (relative, '/' separators) is left out.</summary>
    public bool Excludes(string relativePath)
    {
        var segments = relativePath.Split('/');
        foreach (var pattern in patterns)
        {
            if (pattern.StartsWith("**/", StringComparison.Ordinal))
            {
                if (segments.Contains(pattern[3..], StringComparer.Ordinal))
                {
                    return true;
                }
            }
            else if (System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, segments[0], ignoreCase: false))
            {
                return true;
            }
        }

        return false;
    }
}
