namespace Portage.Core.Tenancy;

/// <summary>
/// Finds the folder that holds the embedded database and <c>credentials.json</c>. Server and CLI resolve it the same
/// way, so <c>portage chat</c> finds the key that <c>dotnet run --project src/Portage.Server</c> created, whatever
/// working directory <c>dotnet run</c> picked.
/// </summary>
public static class DataFolder
{
    /// <summary>Environment variable that overrides the data folder.</summary>
    public const string EnvironmentVariable = "PORTAGE_DATA";

    private const string FolderName = ".portage";
    private const string RepositoryMarker = "Portage.slnx";

    /// <summary>
    /// <c>PORTAGE_DATA</c>; else <c>./.portage/</c> when it exists; else <c>.portage/</c> at the root of the Portage
    /// repository this runs from; else <c>~/.portage/</c>.
    /// </summary>
    public static string Resolve(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        var current = Path.Combine(Environment.CurrentDirectory, FolderName);
        if (Directory.Exists(current))
        {
            return current;
        }

        var repository = FindRepositoryRoot(Environment.CurrentDirectory) ?? FindRepositoryRoot(AppContext.BaseDirectory);
        if (repository is not null)
        {
            return Path.Combine(repository, FolderName);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), FolderName);
    }

    /// <summary>
    /// Creates the folder (and any missing parent) so only its owner may enter it: 0700 on Unix. A folder that already
    /// exists keeps its mode: it may be one the operator chose and shares on purpose.
    /// </summary>
    public static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Makes sure the file exists and only its owner may read or write it: a new file is created 0600 (so an embedded
    /// database opened on it, and the journal files SQLite gives the database's mode, are never readable by others),
    /// and an existing one loses any group and other permissions (a file an older build created 0644).
    /// </summary>
    public static void CreatePrivateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            RestrictToOwner(path);
        }
    }

    /// <summary>Removes group and other permissions from a file, if it exists (a no-op on Windows).</summary>
    public static void RestrictToOwner(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & others) != 0)
        {
            File.SetUnixFileMode(path, mode & ~others);
        }
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, RepositoryMarker)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
