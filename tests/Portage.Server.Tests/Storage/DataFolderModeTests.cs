using System.Runtime.Versioning;
using Portage.Testing;
using Portage.Testing.Skipping;

namespace Portage.Server.Tests.Storage;

/// <summary>Issue 17, finding 8: the data folder and the SQLite files in it are the owner's alone.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class DataFolderModeTests
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_fresh_start_creates_the_folder_0700_and_the_database_with_its_wal_and_shm_0600()
    {
        SkipOnWindows();
        using var app = new PortageApp();

        Assert.True((await app.RunAsync(Runs.Body("Hello"))).Finished);

        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.DataFolderPath));
        foreach (var file in new[] { "portage.db", "portage.db-wal", "portage.db-shm", "credentials.json" })
        {
            var path = Path.Combine(app.DataFolderPath, file);
            Assert.True(File.Exists(path), $"{file} is missing");
            Assert.True(File.GetUnixFileMode(path) == OwnerOnlyFile, $"{file} is {File.GetUnixFileMode(path)}");
        }
    }

    [Fact]
    public async Task A_database_an_older_build_left_readable_by_others_is_made_owner_only()
    {
        SkipOnWindows();
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        using (var first = new PortageApp(dataFolder: folder))
        {
            Assert.True((await first.RunAsync(Runs.Body("Hello"))).Finished);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var database = Path.Combine(folder, "portage.db");
        File.SetUnixFileMode(database, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            using var second = new PortageApp(dataFolder: folder);

            Assert.True((await second.RunAsync(Runs.Body("Hello again"))).Finished);
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database + "-wal"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void SkipOnWindows()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("Unix file modes do not exist on Windows.");
        }
    }
}
