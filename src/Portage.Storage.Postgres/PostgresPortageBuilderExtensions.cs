using Microsoft.Extensions.DependencyInjection.Extensions;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Core;
using Portage.Storage.Postgres;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgresPortageBuilderExtensions
{
    /// <summary>Stores everything in the PostgreSQL database of an Npgsql connection string.</summary>
    public static PortageBuilder UsePostgres(this PortageBuilder builder, string connectionString) => builder.UsePostgres(_ => connectionString);

    /// <summary>Stores everything in the PostgreSQL database of a connection string resolved when the store is first needed.</summary>
    public static PortageBuilder UsePostgres(this PortageBuilder builder, Func<IServiceProvider, string> connectionString)
    {
        builder.AddPostgresStore(connectionString).UseStore(sp => sp.GetRequiredService<PostgresStore>());
        // Replicas share this database: signals cross processes, and dead runs are found by their expired leases.
        builder.Services.Replace(ServiceDescriptor.Singleton<IRunSignals>(sp => sp.GetRequiredService<PostgresRunSignals>()));
        builder.Services.Configure<RunOptions>(o => o.SharedStore = true);
        return builder;
    }

    /// <summary>
    /// Registers <see cref="PostgresStore"/> without making it the engine's store, for a host that chooses its store at
    /// start-up (<c>UseStore</c>). Nothing connects until the store is first used.
    /// </summary>
    public static PortageBuilder AddPostgresStore(this PortageBuilder builder, Func<IServiceProvider, string> connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connectionString);
        builder.Services.TryAddSingleton(sp => new PostgresDatabase(connectionString(sp)));
        builder.Services.TryAddSingleton<PostgresStore>();
        builder.Services.TryAddSingleton<PostgresRunSignals>();
        return builder;
    }
}
