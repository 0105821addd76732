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
/// files over the size limit are skipped and reported.
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
                Consider(full, relativeTo, files, skipped, seen);
            }
            else if (Directory.Exists(full))
            {
                WalkDirectory(full, relativeTo, AncestorIgnores(full), files, skipped, seen);
            }
            else
            {
                throw new CliException($"no such file or folder: {path}");
            }
        }

        return new WalkResult(files, skipped);
    }

    private void WalkDirectory(string directory, string relativeTo, List<GitIgnore> ignores, List<FoundFile> files, List<SkippedFile> skipped, HashSet<string> seen)
    {
        if (GitIgnore.Load(directory) is { } own)
        {
            ignores = [.. ignores, own];
        }

        var info = new DirectoryInfo(directory);
        foreach (var entry in info.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Name.StartsWith('.') && (!includeHidden || entry.Name == ".git"))
            {
                continue;
            }

            if (entry is DirectoryInfo sub)
            {
                // A linked folder could loop.
                if (sub.LinkTarget is not null || IsIgnored(ignores, sub.FullName, isDirectory: true))
                {
                    continue;
                }

                WalkDirectory(sub.FullName, relativeTo, ignores, files, skipped, seen);
            }
            else if (entry is FileInfo file && !IsIgnored(ignores, file.FullName, isDirectory: false))
            {
                Consider(file.FullName, relativeTo, files, skipped, seen);
            }
        }
    }

    private void Consider(string fullPath, string relativeTo, List<FoundFile> files, List<SkippedFile> skipped, HashSet<string> seen)
    {
        if (!seen.Add(fullPath))
        {
            return;
        }

        var relative = Path.GetRelativePath(relativeTo, fullPath).Replace('\\', '/');
        var length = new FileInfo(fullPath).Length;
        if (length > maxFileBytes)
        {
            skipped.Add(new SkippedFile(relative, $"larger than {maxFileBytes} bytes"));
        }
        else if (length == 0)
        {
            skipped.Add(new SkippedFile(relative, "empty"));
        }
        else if (IsBinary(fullPath))
        {
            skipped.Add(new SkippedFile(relative, "binary"));
        }
        else
        {
            files.Add(new FoundFile(fullPath, relative, length));
        }
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
