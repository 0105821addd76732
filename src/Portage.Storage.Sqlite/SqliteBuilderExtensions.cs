using Microsoft.Extensions.DependencyInjection.Extensions;
using Portage.Core;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded SQLite store.</summary>
public static class SqliteBuilderExtensions
{
    /// <summary>The database file name inside the data folder.</summary>
    public const string FileName = "portage.db";

    /// <summary>Stores everything in <c>&lt;dataFolder&gt;/portage.db</c>.</summary>
    public static PortageBuilder UseSqlite(this PortageBuilder builder, string dataFolder) => builder.UseSqlite(_ => dataFolder);

    /// <summary>Stores everything in <c>portage.db</c> in a data folder resolved when the store is first needed.</summary>
    public static PortageBuilder UseSqlite(this PortageBuilder builder, Func<IServiceProvider, string> dataFolder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataFolder);
        builder.Services.TryAddSingleton(sp => SqliteDatabase.ForFile(Path.Combine(dataFolder(sp), FileName)));
        builder.Services.TryAddSingleton<SqliteStore>();
        builder.Services.TryAddSingleton<ITenancyStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<IWindowStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<IDataSourceStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<ISessionStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<IIngestStore>(sp => sp.GetRequiredService<SqliteStore>());
        builder.Services.TryAddSingleton<IContentIndex>(sp => sp.GetRequiredService<SqliteStore>());
        return builder;
    }
}
