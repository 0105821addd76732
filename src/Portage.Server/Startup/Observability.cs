using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portage.Core.Telemetry;

namespace Portage.Server.Startup;

/// <summary>
/// OpenTelemetry for the router: traces and metrics from the engine's <c>Portage</c> source and meter plus ASP.NET Core;
/// OTLP export only when an endpoint is configured; a Prometheus scrape endpoint at <c>/metrics</c>.
/// </summary>
internal static class Observability
{
    public static void AddPortageTelemetry(this WebApplicationBuilder builder)
    {
        // OTEL_EXPORTER_OTLP_ENDPOINT is read by the exporter itself; Telemetry:OtlpEndpoint is the appsettings way.
        var configured = builder.Configuration["Telemetry:OtlpEndpoint"];
        var otlp = !string.IsNullOrWhiteSpace(configured) || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        void Endpoint(OpenTelemetry.Exporter.OtlpExporterOptions o)
        {
            if (!string.IsNullOrWhiteSpace(configured))
            {
                o.Endpoint = new Uri(configured);
            }
        }

        // Every logger escapes control characters in its lines: clients name things that reach the logs (MCP client
        // info, JSON-RPC methods, request paths), and a newline in one must not forge a line of its own.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new EscapingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));

        // A failed start reaches the console as two lines from StartupFailure; the host's own report of it, a stack
        // trace, goes to the other log sinks only. Once started, the host's lines (a background service failed) show.
        var gate = new StartLogGate();
        builder.Services.AddSingleton(gate);
        builder.Logging.AddFilter<ConsoleLoggerProvider>(StartLogGate.HostCategory, level => level >= LogLevel.Information && gate.Started);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("portage"))
            .WithTracing(t =>
            {
                t.AddSource(PortageTelemetry.Name).AddAspNetCoreInstrumentation();
                if (otlp)
                {
                    t.AddOtlpExporter(Endpoint);
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(PortageTelemetry.Name).AddAspNetCoreInstrumentation().AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter(Endpoint);
                }
            });
        if (otlp)
        {
            // Log lines go to the collector too, with the run's scope (run, session, window, sandbox, end user) as attributes.
            telemetry.WithLogging(l => l.AddOtlpExporter(Endpoint), o => o.IncludeScopes = true);
        }
    }

    // Keyless for callers on this machine by default, as scrape endpoints conventionally are; Telemetry:MetricsAccess
    // says who else may read it (MetricsAccess). The metrics carry provider names, known model names and counts, never
    // ids, keys or text. Telemetry:Prometheus=false removes the endpoint.
    public static void MapPortageMetrics(this WebApplication app)
    {
        if (app.Configuration.GetValue("Telemetry:Prometheus", true))
        {
            app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, MetricsAccess.Guard(app.Configuration), optionsName: null);
        }
    }
}
