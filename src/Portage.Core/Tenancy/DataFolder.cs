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
