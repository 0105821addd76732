using System.Text.RegularExpressions;

namespace Portage.Core.Tests.Architecture;

/// <summary>
/// The layout promises of issue 12, kept: Core's folders (namespaces) depend on each other without a cycle, so each
/// step of a run can be read below the ones that use it; and no source file grows past 300 lines.
/// </summary>
public sealed partial class CoreLayoutTests
{
    private const int MaxLines = 300;

    [Fact]
    public void Core_namespaces_depend_on_each_other_without_a_cycle()
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot(), "src", "Portage.Core"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Select(f => (f.Path, Namespace: NamespaceOf().Match(f.Text).Groups[1].Value, f.Text))
            .Where(f => f.Namespace.StartsWith("Portage.Core", StringComparison.Ordinal))
            .ToList();

        // A type name declared in exactly one Core namespace is that namespace's; a file naming it depends on it.
        var owners = files
            .SelectMany(f => TypeDeclaration().Matches(f.Text).Select(m => (Type: m.Groups[1].Value, f.Namespace)))
            .GroupBy(d => d.Type)
            .Where(g => g.Select(d => d.Namespace).Distinct().Count() == 1)
            .ToDictionary(g => g.Key, g => g.First().Namespace, StringComparer.Ordinal);
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var code = Comment().Replace(file.Text, "");
            foreach (var name in Identifier().Matches(code).Select(m => m.Value).Distinct())
            {
                if (owners.TryGetValue(name, out var owner) && owner != file.Namespace)
                {
                    (edges.TryGetValue(file.Namespace, out var set) ? set : edges[file.Namespace] = new(StringComparer.Ordinal)).Add(owner);
                }
            }
        }

        var cycle = FindCycle(edges);
        Assert.True(cycle is null, $"Core has a namespace cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void No_source_file_is_longer_than_300_lines()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var tooLong = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(src, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .ToList();

        Assert.True(tooLong.Count == 0, "Split these files: " + string.Join(", ", tooLong.Select(f => $"{f.File} ({f.Lines} lines)")));
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> edges)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        return edges.Keys.Where(n => state.GetValueOrDefault(n) == 0).Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Portage.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Portage.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceOf();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comment();
}
