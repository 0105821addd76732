namespace Portage.Cli.Ingest;

/// <summary>A file to ingest: where it is, and the relative, <c>/</c>-separated path it is known by.</summary>
internal sealed record FoundFile(string FullPath, string RelativePath, long Length);

/// <summary>A file left out, and why.</summary>
internal sealed record SkippedFile(string RelativePath, string Reason);

/// <summary>What a walk found.</summary>
internal sealed record WalkResult(IReadOnlyList<FoundFile> Files, IReadOnlyList<SkippedFile> Skipped);

/// <summary>
/// Walks the paths given to <c>portage ingest</c>: folders recursively, honouring every <c>.gitignore</c> from the
/// repository root (the nearest folder above with a <c>.git</c>) down to nested ones, never entering <c>.git</c>;
/// hidden files and folders (<c>.name</c>) are left out unless <c>includeHidden</c>; files named on the command line are
/// taken as given. Binary files (a NUL byte in the first 8000, git's test) and
/// files over the size limit are skipped and reported. A link is judged by what it points at: a file link is followed
/// only to a file inside the folder being walked that the hidden-file and <c>.gitignore</c> rules admit; folder links are
/// never followed (no loops, no way out); each skipped link is reported with the reason.
/// </summary>
internal sealed class FileWalker(long maxFileBytes, string currentDirectory, bool includeHidden = false)
{
    private const int BinaryProbeBytes = 8000;

    public WalkResult Walk(IEnumerable<string> paths)
    {
        var files = new List<FoundFile>();
        var skipped = new List<SkippedFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path, currentDirectory);
            var relativeTo = RelativeBase(full);
            if (File.Exists(full))
            {
                // Named on the command line: taken as given, a link too (the user chose it), read where it leads.
                Consider(full, RealPath(full), relativeTo, files, skipped, seen);
            }
            else if (Directory.Exists(full))
            {
                var root = new Root(full, RealPath(full), Path.GetRelativePath(relativeTo, full).Replace('\\', '/'), AncestorIgnores(full));
                WalkDirectory(full, root.RealPath, root, relativeTo, root.Ignores, files, skipped, seen);
            }
            else
            {
                throw new CliException($"no such file or folder: {path}");
            }
        }

        return new WalkResult(files, skipped);
    }

    // A folder named on the command line: where it was named (the names files are known by) and where it really is
    // (what a link's target is compared with), and the .gitignore files above it.
    private sealed record Root(string Path, string RealPath, string Name, List<GitIgnore> Ignores);

    private void WalkDirectory(
        string directory, string realDirectory, Root root, string relativeTo, List<GitIgnore> ignores, List<FoundFile> files, List<SkippedFile> skipped, HashSet<string> seen)
    {
        if (GitIgnore.Load(directory) is { } own)
        {
            ignores = [.. ignores, own];
        }

        var info = new DirectoryInfo(directory);
        foreach (var entry in info.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (IsHidden(entry.Name))
            {
                continue;
            }

            if (entry.LinkTarget is { } target)
            {
                if (!IsIgnored(ignores, entry.FullName, isDirectory: entry is DirectoryInfo))
                {
                    ConsiderLink(entry, target, root, relativeTo, files, skipped, seen);
                }
            }
            else if (entry is DirectoryInfo sub)
            {
                if (!IsIgnored(ignores, sub.FullName, isDirectory: true))
                {
                    WalkDirectory(sub.FullName, Path.Combine(realDirectory, sub.Name), root, relativeTo, ignores, files, skipped, seen);
                }
            }
            else if (entry is FileInfo file && !IsIgnored(ignores, file.FullName, isDirectory: false))
            {
                Consider(file.FullName, Path.Combine(realDirectory, file.Name), relativeTo, files, skipped, seen);
            }
        }
    }

    // The rules apply to where a link leads, not to its name: a link named notes.md to ../.env is the .env file.
    private void ConsiderLink(
        FileSystemInfo link, string target, Root root, string relativeTo, List<FoundFile> files, List<SkippedFile> skipped, HashSet<string> seen)
    {
        var relative = Path.GetRelativePath(relativeTo, link.FullName).Replace('\\', '/');
        var real = TryRealPath(link.FullName);
        if (real is null || (!File.Exists(real) && !Directory.Exists(real)))
        {
            skipped.Add(new SkippedFile(relative, $"broken link ({target})"));
            return;
        }

        var inRoot = RelativeInside(root.RealPath, real);
        if (Directory.Exists(real))
        {
            skipped.Add(new SkippedFile(relative, inRoot is null
                ? $"link to a folder outside {root.Name} ({target})"
                : $"link to a folder inside {root.Name}; its files are taken from where they are"));
            return;
        }

        if (inRoot is null)
        {
            skipped.Add(new SkippedFile(relative, $"link to a file outside {root.Name} ({target})"));
            return;
        }

        var parts = inRoot.Split(Path.DirectorySeparatorChar);
        if (parts.Any(IsHidden))
        {
            skipped.Add(new SkippedFile(relative, parts.Contains(".git") ? $"link into .git ({target})" : $"link to a hidden file ({target}); --hidden includes it"));
            return;
        }

        if (IsIgnoredInRoot(root, parts))
        {
            skipped.Add(new SkippedFile(relative, $"link to a file .gitignore leaves out ({target})"));
            return;
        }

        Consider(real, real, relativeTo, files, skipped, seen, relative);
    }

    // Whether the .gitignore files from the root down to the file (and those above the root) leave out the file or a
    // folder on its way, as a walk reaching it would have.
    private static bool IsIgnoredInRoot(Root root, string[] parts)
    {
        var ignores = root.Ignores;
        var directory = root.Path;
        for (var i = 0; i < parts.Length; i++)
        {
            if (GitIgnore.Load(directory) is { } own)
            {
                ignores = [.. ignores, own];
            }

            var path = Path.Combine(directory, parts[i]);
            if (IsIgnored(ignores, path, isDirectory: i < parts.Length - 1))
            {
                return true;
            }

            directory = path;
        }

        return false;
    }

    private bool IsHidden(string name) => name.StartsWith('.') && (!includeHidden || name == ".git");

    private void Consider(
        string fullPath, string realPath, string relativeTo, List<FoundFile> files, List<SkippedFile> skipped, HashSet<string> seen, string? relative = null)
    {
        // Keyed by where the content really is: a file and a link to it are sent once.
        if (!seen.Add(realPath))
        {
            return;
        }

        relative ??= Path.GetRelativePath(relativeTo, fullPath).Replace('\\', '/');
        var length = new FileInfo(realPath).Length;
        if (length > maxFileBytes)
        {
            skipped.Add(new SkippedFile(relative, $"larger than {maxFileBytes} bytes"));
        }
        else if (length == 0)
        {
            skipped.Add(new SkippedFile(relative, "empty"));
        }
        else if (IsBinary(realPath))
        {
            skipped.Add(new SkippedFile(relative, "binary"));
        }
        else
        {
            files.Add(new FoundFile(realPath, relative, length));
        }
    }

    // The path relative to the folder when it lies inside it (the folder itself is "."), else null.
    private static string? RelativeInside(string folder, string path)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? null
            : relative;
    }

    private static string? TryRealPath(string path)
    {
        try
        {
            return RealPath(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The path with every link on it resolved (realpath(3)), so a link is judged by where it really leads, whichever
    // folders on the way are links themselves. Ends with an IOException on a loop.
    private static string RealPath(string path, int depth = 0)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++depth > 40)
                {
                    throw new IOException($"too many levels of links at {next}");
                }

                next = RealPath(Path.GetFullPath(target, current), depth);
            }

            current = next;
        }

        return current;
    }

    // Paths are named relative to the current folder when they are inside it, else to the folder holding the argument.
    private string RelativeBase(string fullPath)
    {
        var relative = Path.GetRelativePath(currentDirectory, fullPath);
        var inside = relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        return inside ? currentDirectory : Path.GetDirectoryName(fullPath.TrimEnd(Path.DirectorySeparatorChar)) ?? fullPath;
    }

    // The .gitignore files above a walked folder, up to its repository's root; none when it is in no repository.
    private static List<GitIgnore> AncestorIgnores(string directory)
    {
        if (IsRepositoryRoot(directory))
        {
            return [];
        }

        var ancestors = new List<string>();
        for (var current = Directory.GetParent(directory); current is not null; current = current.Parent)
        {
            ancestors.Add(current.FullName);
            if (IsRepositoryRoot(current.FullName))
            {
                ancestors.Reverse();
                return [.. ancestors.Select(GitIgnore.Load).OfType<GitIgnore>()];
            }
        }

        return [];
    }

    // A worktree or submodule has a .git file instead of a folder.
    private static bool IsRepositoryRoot(string directory) =>
        Directory.Exists(Path.Combine(directory, ".git")) || File.Exists(Path.Combine(directory, ".git"));

    // Inner .gitignore files override outer ones; inside one file the last matching pattern wins.
    private static bool IsIgnored(List<GitIgnore> ignores, string fullPath, bool isDirectory)
    {
        bool? ignored = null;
        foreach (var ignore in ignores)
        {
            var relative = Path.GetRelativePath(ignore.BaseDirectory, fullPath).Replace('\\', '/');
            if (ignore.Match(relative, isDirectory) is { } decision)
            {
                ignored = decision;
            }
        }

        return ignored == true;
    }

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[BinaryProbeBytes];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Array.IndexOf(buffer, (byte)0, 0, read) >= 0;
    }
}
