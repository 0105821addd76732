using Microsoft.Extensions.DependencyInjection.Extensions;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Core;
using Portage.Storage.Postgres;
using Portage.Storage.Sqlite;

namespace Portage.Server.Startup;

/// <summary>Registers both stores and makes the one <see cref="StorageChoice"/> names the engine's.</summary>
internal static class StorageSetup
{
    public static PortageBuilder UseConfiguredStore(this PortageBuilder builder, Func<IServiceProvider, string> dataFolder)
    {
        builder.Services.TryAddSingleton(sp => StorageChoice.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddOptions<SqliteOptions>().BindConfiguration("Storage:Sqlite");
        // First of the hosted services: recovery, first start and the workers all use the store, so a store that cannot
        // be used stops the start here, with a message naming the setting, before any of them runs.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StorageStartup>());
        // Before that, the data folder's lock: `portage keys create --local` must not work on a store a router uses.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DataFolderGuard>());
        // PostgreSQL may be shared by replicas: signals cross processes, and dead runs are found by expired leases.
        builder.Services.Replace(ServiceDescriptor.Singleton<IRunSignals>(sp => sp.GetRequiredService<StorageChoice>().IsPostgres
            ? sp.GetRequiredService<PostgresRunSignals>()
            : new InProcessRunSignals()));
        builder.Services.AddOptions<RunOptions>().PostConfigure<StorageChoice>((options, choice) => options.SharedStore = choice.IsPostgres);
        return builder
            .AddSqliteStore(dataFolder)
            .AddPostgresStore(sp => sp.GetRequiredService<StorageChoice>().PostgresConnectionString!)
            .UseStore(sp => sp.GetRequiredService<StorageChoice>().IsPostgres
                ? sp.GetRequiredService<PostgresStore>()
                : sp.GetRequiredService<SqliteStore>());
    }
}
