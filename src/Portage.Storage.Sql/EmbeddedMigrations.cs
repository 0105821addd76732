using System.Reflection;

namespace Portage.Storage.Sql;

/// <summary>A store's migrations: the <c>.sql</c> files embedded in its assembly, in the order of their names.</summary>
public static class EmbeddedMigrations
{
    /// <summary>Each migration's name (the file name without <c>.sql</c>) and text, from resources named <paramref name="prefix"/><c>*.sql</c>.</summary>
    public static IReadOnlyList<(string Name, string Text)> Read(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n[prefix.Length..^".sql".Length], reader.ReadToEnd());
            })
            .ToList();
    }
}
