using System.Text;
using System.Text.RegularExpressions;

namespace Portage.Cli.Ingest;

/// <summary>
/// One <c>.gitignore</c> file: its patterns, matched against paths relative to the folder it lives in, with the rules
/// of gitignore(5): <c>#</c> comments, <c>!</c> negation, a trailing <c>/</c> for folders only, a <c>/</c> at the start
/// or in the middle anchoring the pattern to this folder, <c>*</c>, <c>?</c>, <c>[…]</c> and <c>**</c>. The last
/// matching pattern decides.
/// </summary>
internal sealed class GitIgnore
{
    private readonly List<Rule> _rules;

    private GitIgnore(string baseDirectory, List<Rule> rules)
    {
        BaseDirectory = baseDirectory;
        _rules = rules;
    }

    /// <summary>The folder the patterns are relative to.</summary>
    public string BaseDirectory { get; }

    public static GitIgnore Parse(string baseDirectory, string content)
    {
        var rules = new List<Rule>();
        foreach (var rawLine in content.ReplaceLineEndings("\n").Split('\n'))
        {
            if (Rule.TryParse(rawLine) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return new GitIgnore(baseDirectory, rules);
    }

    public static GitIgnore? Load(string directory)
    {
        var path = Path.Combine(directory, ".gitignore");
        return File.Exists(path) ? Parse(directory, File.ReadAllText(path)) : null;
    }

    /// <summary>True if ignored, false if re-included by a negation, null if no pattern matches.</summary>
    public bool? Match(string relativePath, bool isDirectory)
    {
        bool? result = null;
        foreach (var rule in _rules)
        {
            if ((!rule.DirectoryOnly || isDirectory) && rule.Regex.IsMatch(relativePath))
            {
                result = !rule.Negated;
            }
        }

        return result;
    }

    private sealed record Rule(Regex Regex, bool Negated, bool DirectoryOnly)
    {
        public static Rule? TryParse(string line)
        {
            // Trailing spaces are ignored unless escaped with a backslash.
            var pattern = line.TrimEnd('\r');
            while (pattern.EndsWith(' ') && !pattern.EndsWith("\\ ", StringComparison.Ordinal))
            {
                pattern = pattern[..^1];
            }

            if (pattern.Length == 0 || pattern[0] == '#')
            {
                return null;
            }

            var negated = false;
            if (pattern[0] == '!')
            {
                negated = true;
                pattern = pattern[1..];
            }
            else if (pattern.StartsWith("\\!", StringComparison.Ordinal) || pattern.StartsWith("\\#", StringComparison.Ordinal))
            {
                pattern = pattern[1..];
            }

            var directoryOnly = pattern.EndsWith('/');
            pattern = pattern.TrimEnd('/');
            if (pattern.Length == 0)
            {
                return null;
            }

            // A slash at the start or in the middle anchors the pattern to the .gitignore's folder.
            var anchored = pattern.Contains('/', StringComparison.Ordinal);
            pattern = pattern.TrimStart('/');
            var body = ToRegex(pattern);
            var regex = anchored || pattern.StartsWith("**", StringComparison.Ordinal) ? $"^{body}$" : $"^(?:.*/)?{body}$";
            try
            {
                return new Rule(new Regex(regex, RegexOptions.CultureInvariant), negated, directoryOnly);
            }
            catch (ArgumentException)
            {
                return null; // a pattern git would not understand either (an unbalanced class): ignored
            }
        }

        private static string ToRegex(string glob)
        {
            var regex = new StringBuilder();
            for (var i = 0; i < glob.Length; i++)
            {
                var c = glob[i];
                if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
                {
                    var atStart = i == 0 || glob[i - 1] == '/';
                    var slashAfter = i + 2 < glob.Length && glob[i + 2] == '/';
                    if (atStart && slashAfter)
                    {
                        regex.Append("(?:.*/)?"); // "**/": zero or more folders
                        i += 2;
                    }
                    else if (atStart && i + 2 == glob.Length)
                    {
                        regex.Append(".*"); // "/**": everything inside
                        i += 1;
                    }
                    else
                    {
                        regex.Append("[^/]*"); // "**" elsewhere is an ordinary "*"
                        i += 1;
                    }
                }
                else if (c == '*')
                {
                    regex.Append("[^/]*");
                }
                else if (c == '?')
                {
                    regex.Append("[^/]");
                }
                else if (c == '[' && glob.IndexOf(']', i + 1) is var close && close > i + 1)
                {
                    var set = glob[(i + 1)..close];
                    if (set.StartsWith('!'))
                    {
                        set = "^" + set[1..];
                    }

                    regex.Append('[').Append(set.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                }
                else if (c == '\\' && i + 1 < glob.Length)
                {
                    regex.Append(Regex.Escape(glob[++i].ToString()));
                }
                else
                {
                    regex.Append(Regex.Escape(c.ToString()));
                }
            }

            return regex.ToString();
        }
    }
}
