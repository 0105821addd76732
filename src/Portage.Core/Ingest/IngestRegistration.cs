using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Portage.Core.Ingest;

/// <summary>The ingest part of <c>AddPortage</c>: options, chunker, service and background worker.</summary>
internal static class IngestRegistration
{
    public static void AddIngest(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection("Ingest"));
        services.TryAddSingleton<IngestSignal>();
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<IngestOptions>>().Value;
            return new Chunker(settings.ChunkTokens, settings.OverlapTokens);
        });
        services.TryAddSingleton<IIngestTargets, DataSourceIngestTargets>();
        services.TryAddSingleton<IngestService>();
        services.TryAddSingleton<IngestWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestWorker>());
    }
}
