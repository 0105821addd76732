using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portage.Core;
using Portage.Core.Compaction;
using Portage.Core.Ingest;
using Portage.Core.Limits;
using Portage.Core.Providers;
using Portage.Core.Retrieval;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Signals;
using Portage.Core.Sources;
using Portage.Core.Storage;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Tools;
using Portage.Core.Windows;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The one entry point that registers the Portage engine.</summary>
public static class PortageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine (tenancy, planner, executor, sweeper, recovery, ingest and its worker) with options bound from configuration.
    /// A store must be added (for example <c>UseSqlite</c>) and at least one provider (<c>AddEcho</c>).
    /// </summary>
    public static PortageBuilder AddPortage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IIdGenerator, SortableIdGenerator>();
        // Runs:* has always held rule 8's waits and the provider retry policy too; each step binds its own part.
        // Bound at start, so a setting that does not parse stops the start instead of the first run.
        services.AddOptions<RunOptions>().Bind(configuration.GetSection("Runs")).ValidateOnStart();
        services.AddOptions<WindowLeaseOptions>().Bind(configuration.GetSection("Runs")).ValidateOnStart();
        services.AddOptions<ProviderRetryOptions>().Bind(configuration.GetSection("Runs")).ValidateOnStart();
        services.AddOptions<WindowOptions>().Bind(configuration.GetSection("Windows"));
        services.AddOptions<PriceTable>().Bind(configuration.GetSection("Pricing"));
        services.AddOptions<ModelLimits>().Bind(configuration.GetSection("Models")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelLimits>, ModelLimitsValidator>());
        services.AddOptions<RetrievalOptions>().Bind(configuration.GetSection("Retrieval"));
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection("Telemetry"));
        services.AddOptions<CompactionOptions>().Bind(configuration.GetSection("Compaction")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CompactionOptions>, CompactionOptionsValidator>());
        services.TryAddSingleton<ContentLogging>();
        services.TryAddSingleton<ApiKeyCache>();
        services.TryAddSingleton<SandboxCache>();
        services.TryAddSingleton<TenancyService>();
        services.TryAddSingleton<SandboxService>();
        services.TryAddSingleton<SpendGate>();
        services.TryAddSingleton<RateGate>();
        services.TryAddSingleton<DataSourceService>();
        services.TryAddSingleton(sp => new ProviderRegistry(sp.GetServices<ProviderDefinition>()));
        services.TryAddSingleton(sp => new ToolRegistry(sp.GetServices<PortageTool>().Concat(RetrievalToolsOf(sp))));
        services.TryAddSingleton<ToolInvoker>();
        services.TryAddSingleton<BriefWriter>();
        services.TryAddSingleton<RetrievalService>();
        services.TryAddSingleton<DiscoverPrefetch>();
        services.TryAddSingleton<SharedContent>();
        services.TryAddSingleton<ConversationMemory>();
        services.AddSingleton<Portage.Core.Sources.IPurgeParticipant, ContentPurge>();
        services.TryAddSingleton<WindowQueue>();
        services.TryAddSingleton<WindowLeases>();
        services.TryAddSingleton<WindowChooser>();
        services.TryAddSingleton<TranscriptCache>();
        services.TryAddSingleton<SessionChooser>();
        services.TryAddSingleton<RunRequestValidator>();
        services.TryAddSingleton<Summariser>();
        services.TryAddSingleton<Compactor>();
        services.TryAddSingleton<ConversationCompaction>();
        services.TryAddSingleton<WindowCompaction>();
        services.TryAddSingleton<RunPlanner>();
        services.TryAddSingleton<RunCommit>();
        services.TryAddSingleton<RunExecutor>();
        services.TryAddSingleton<GatewayCalls>();
        services.TryAddSingleton<WindowSweeper>();
        services.TryAddSingleton<IRunSignals, InProcessRunSignals>();
        services.TryAddSingleton<RunEventWaiters>();
        services.TryAddSingleton<RunEventLog>();
        services.TryAddSingleton<RunHost>();
        services.TryAddSingleton<RunFollower>();
        // Stopped in reverse order: the host cancels and drains its runs before the event log stores their last frames.
        services.AddHostedService(sp => sp.GetRequiredService<RunEventLog>());
        services.AddHostedService(sp => sp.GetRequiredService<RunHost>());
        services.AddHostedService<OrphanedRunRecovery>();
        services.AddHostedService<RunEventRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<WindowSweeper>());
        IngestRegistration.AddIngest(services, configuration);
        return new PortageBuilder(services, configuration);
    }

    /// <summary>
    /// Registers every storage seam to the store <paramref name="store"/> makes (resolved once, when first needed).
    /// The first store registered wins; <c>UseSqlite</c> and <c>UsePostgres</c> call this.
    /// </summary>
    public static PortageBuilder UseStore(this PortageBuilder builder, Func<IServiceProvider, IPortageStore> store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        builder.Services.TryAddSingleton(store);
        builder.Services.TryAddSingleton<ITenancyStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IWindowStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IDataSourceStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<ISessionStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IResponseStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IIngestStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IContentIndex>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<ISpendStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IRateStore>(sp => sp.GetRequiredService<IPortageStore>());
        builder.Services.TryAddSingleton<IStoreReadiness>(sp => sp.GetRequiredService<IPortageStore>());
        return builder;
    }

    // Retrieval tools are offered to runs of sandboxes that have ingested content: elsewhere they cannot help. One
    // condition for all four, so the registry asks once per run (and SharedContent keeps the answer for the next runs).
    private static IEnumerable<PortageTool> RetrievalToolsOf(IServiceProvider services)
    {
        var shared = services.GetRequiredService<SharedContent>();
        Func<RunScope, CancellationToken, Task<bool>> hasContent = (context, ct) => shared.AnyAsync(context.SandboxId, ct);
        return RetrievalTools.Create(services.GetRequiredService<RetrievalService>()).Select(tool => new PortageTool(tool, hasContent));
    }

    /// <summary>Adds a tool that models may call in every run; the router executes it (see <see cref="ToolRegistry"/>).</summary>
    public static PortageBuilder AddTool(this PortageBuilder builder, AIFunction tool)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new PortageTool(tool));
        return builder;
    }

    /// <summary>
    /// Adds the offline <c>echo</c> model and the same model under the name <c>mirror</c>, so a provider switch can be
    /// shown without keys. <c>Echo:DelayMilliseconds</c> pauses between deltas.
    /// </summary>
    public static PortageBuilder AddEcho(this PortageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (name, display) in new[] { ("echo", "Echo"), ("mirror", "Mirror") })
        {
            builder.Services.AddSingleton(sp => new ProviderDefinition
            {
                Name = name,
                Client = new EchoChatClient(display,
                    TimeSpan.FromMilliseconds(sp.GetRequiredService<IConfiguration>().GetValue("Echo:DelayMilliseconds", 15.0)),
                    sp.GetRequiredService<TimeProvider>()),
                DefaultModel = name + "-1",
                Models = [name + "-1"],
                ContextBudgetTokens = 32_000,
                Needs = "nothing (offline)",
                Free = true,
            });
        }

        return builder;
    }
}
