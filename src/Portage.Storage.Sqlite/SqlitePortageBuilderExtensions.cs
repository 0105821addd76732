using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portage.Core;
using Portage.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded SQLite store.</summary>
public static class SqlitePortageBuilderExtensions
{
    /// <summary>The database file name inside the data folder.</summary>
    public const string FileName = "portage.db";

    /// <summary>Stores everything in <c>&lt;dataFolder&gt;/portage.db</c>.</summary>
    public static PortageBuilder UseSqlite(this PortageBuilder builder, string dataFolder) => builder.UseSqlite(_ => dataFolder);

    /// <summary>Stores everything in <c>portage.db</c> in a data folder resolved when the store is first needed.</summary>
    public static PortageBuilder UseSqlite(this PortageBuilder builder, Func<IServiceProvider, string> dataFolder) =>
        builder.AddSqliteStore(dataFolder).UseStore(sp => sp.GetRequiredService<SqliteStore>());

    /// <summary>
    /// Registers <see cref="SqliteStore"/> without making it the engine's store, for a host that chooses its store at
    /// start-up (<c>UseStore</c>). Nothing is opened or created until the store is first resolved.
    /// </summary>
    public static PortageBuilder AddSqliteStore(this PortageBuilder builder, Func<IServiceProvider, string> dataFolder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataFolder);
        builder.Services.TryAddSingleton(sp => SqliteDatabase.ForFile(Path.Combine(dataFolder(sp), FileName), sp.GetService<IOptions<SqliteOptions>>()?.Value));
        builder.Services.TryAddSingleton<SqliteStore>();
        return builder;
    }
}
