using System.Text;
using System.Text.RegularExpressions;

namespace Portage.Core.Ingest;

/// <summary>
/// Splits source code into units at blank lines that are followed by a line at column 0 (a top-level statement or
/// declaration), so a function body with blank lines inside it stays one unit. Also finds the name a unit declares.
/// </summary>
internal static partial class CodeBlocks
{
    private static readonly HashSet<string> s_codeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".c", ".cc", ".cpp", ".cs", ".css", ".cxx", ".fs", ".go", ".h", ".hpp", ".java", ".js", ".jsx", ".kt", ".kts", ".lua", ".m",
        ".mjs", ".cjs", ".php", ".pl", ".ps1", ".py", ".rb", ".rs", ".scala", ".sh", ".bash", ".zsh", ".sql", ".swift", ".ts", ".tsx",
        ".vb", ".vue", ".svelte", ".dart", ".ex", ".exs", ".erl", ".hs", ".clj", ".r", ".jl", ".zig", ".nim", ".proto", ".graphql",
        ".tf", ".hcl", ".cmake", ".gradle", ".groovy", ".yaml", ".yml", ".toml", ".ini", ".json", ".xml", ".csproj", ".props",
        ".targets", ".sln", ".slnx", ".html", ".scss", ".less", ".dockerfile", ".makefile",
    };

    /// <summary>Whether a file path looks like source code or configuration, by extension.</summary>
    public static bool IsCodePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var name = Path.GetFileName(path);
        return s_codeExtensions.Contains(Path.GetExtension(name))
            || name.Equals("Dockerfile", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Makefile", StringComparison.OrdinalIgnoreCase);
    }

    public static List<string> Units(string text)
    {
        var units = new List<string>();
        var unit = new StringBuilder();
        var pendingBlank = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                pendingBlank = unit.Length > 0;
                continue;
            }

            if (pendingBlank && StartsTopLevel(line))
            {
                units.Add(unit.ToString().TrimEnd());
                unit.Clear();
            }
            else if (pendingBlank)
            {
                unit.Append('\n'); // keep the blank line inside the unit
            }

            pendingBlank = false;
            unit.Append(line).Append('\n');
        }

        if (unit.Length > 0)
        {
            units.Add(unit.ToString().TrimEnd());
        }

        return units;
    }

    /// <summary>The first name declared at the start of a line of <paramref name="code"/> (class, function, …), or null.</summary>
    public static string? DeclaredName(string code)
    {
        foreach (var line in code.Split('\n'))
        {
            if (Declaration().Match(line) is { Success: true } match)
            {
                return match.Groups["name"].Value;
            }
        }

        return null;
    }

    // Closing braces and the like continue the previous unit even at column 0.
    private static bool StartsTopLevel(string line) =>
        !char.IsWhiteSpace(line[0]) && line[0] is not ('}' or ')' or ']') && !line.StartsWith("end", StringComparison.Ordinal);

    [GeneratedRegex(
        @"^\s*(?:(?:export|default|public|private|protected|internal|static|sealed|abstract|partial|async|readonly|unsafe|final|override|virtual|extern|inline|pub(?:\([a-z]+\))?|open|data|case)\s+)*" +
        @"(?:class|interface|struct|record|enum|def|fn|function|module|trait|impl|type|namespace|object|protocol|extension|func(?:\s*\([^)]*\))?)\s+(?<name>[A-Za-z_$][A-Za-z0-9_$]*)")]
    private static partial Regex Declaration();
}
