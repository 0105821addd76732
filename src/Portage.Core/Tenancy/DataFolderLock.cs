namespace Portage.Core.Tenancy;

/// <summary>
/// A lock on <c>router.lock</c> in the data folder, held for as long as this object lives. Every running router holds
/// it shared (several routers may use one folder, as replicas on one PostgreSQL database may); a command that works on
/// the folder's store behind the routers' backs (<c>portage keys create --local</c>) holds it exclusive, so it runs only
/// while no router does. The operating system drops the lock with the process, so a killed router leaves none behind.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    /// <summary>File name inside the data folder.</summary>
    public const string FileName = "router.lock";

    private readonly FileStream _stream;

    private DataFolderLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock a router holds: shared with other routers, refused while a command holds it exclusive.</summary>
    /// <returns>The lock, or null when another process holds it exclusive.</returns>
    public static DataFolderLock? TryShared(string dataFolder) => TryTake(dataFolder, exclusive: false);

    /// <summary>Takes the lock alone: refused while any router (or another command) holds it.</summary>
    /// <returns>The lock, or null when another process holds it.</returns>
    public static DataFolderLock? TryExclusive(string dataFolder) => TryTake(dataFolder, exclusive: true);

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    // On Unix .NET takes flock(LOCK_EX) for FileShare.None and flock(LOCK_SH) for a read-only handle that shares; on
    // Windows the share modes themselves exclude each other the same way.
    private static DataFolderLock? TryTake(string dataFolder, bool exclusive)
    {
        DataFolder.CreatePrivateFolder(dataFolder);
        var path = Path.Combine(dataFolder, FileName);
        DataFolder.CreatePrivateFile(path);
        try
        {
            var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = exclusive ? FileAccess.ReadWrite : FileAccess.Read,
                Share = exclusive ? FileShare.None : FileShare.ReadWrite,
            });
            return new DataFolderLock(stream);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }
}
