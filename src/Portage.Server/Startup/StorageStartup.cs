using System.Net.Sockets;
using Npgsql;
using Portage.Storage.Postgres;

namespace Portage.Server.Startup;

/// <summary>Says which store is in use and, for PostgreSQL, connects and migrates at once, so a bad setting fails the start.</summary>
internal sealed partial class StorageStartup(StorageChoice choice, IServiceProvider services, DataFolderInfo dataFolder, ILogger<StorageStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!choice.IsPostgres)
        {
            LogSqlite(logger, Path.Combine(dataFolder.Path, SqlitePortageBuilderExtensions.FileName));
            return;
        }

        // Never the whole connection string: it may hold a password.
        var where = new NpgsqlConnectionStringBuilder(choice.PostgresConnectionString);
        LogPostgres(logger, where.Host, where.Port, where.Database);
        try
        {
            await services.GetRequiredService<PostgresDatabase>().MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw new StartupException(
                $"The PostgreSQL database of {StorageChoice.ConnectionSetting} (host {where.Host}, port {where.Port}, database {where.Database}) " +
                $"cannot be used: {ex.Message}",
                $"Check that the server runs and that {StorageChoice.ConnectionSetting} names it, the database, the user and the password rightly " +
                $"(or set {StorageChoice.ProviderSetting}=sqlite).", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Storage: SQLite, {Path}")]
    private static partial void LogSqlite(ILogger logger, string path);

    [LoggerMessage(LogLevel.Information, "Storage: PostgreSQL, host {Host}, port {Port}, database {Database}")]
    private static partial void LogPostgres(ILogger logger, string? host, int port, string? database);
}
