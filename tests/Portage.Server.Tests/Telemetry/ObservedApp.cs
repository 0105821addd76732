using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// A <see cref="PortageApp"/> whose host is observed: the server's own OpenTelemetry trace pipeline exports into
/// <see cref="Spans"/> (the in-memory exporter), and its log lines go to <see cref="Logs"/>.
/// </summary>
internal sealed class ObservedApp : IDisposable
{
    private readonly PortageApp _app;
    private readonly WebApplicationFactory<Program> _factory;

    public ObservedApp(PortageApp app)
    {
        _app = app;
        _factory = app.WithWebHostBuilder(b => b
            .ConfigureLogging(l => l.AddProvider(Logs))
            .ConfigureTestServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans))));
        _ = _factory.Server;
        Credentials = LocalCredentials.TryRead(app.DataFolderPath)!;
        Client = _factory.CreateClient();
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.ApiKey);
    }

    /// <summary>Every span the host exported. Tests run in parallel and every host listens to the one <c>Portage</c> source, so pick by trace.</summary>
    public ExportedSpans Spans { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public LocalCredentials Credentials { get; }

    public HttpClient Client { get; }

    public async Task<RunResult> RunAsync(Dictionary<string, object?> body) =>
        new(await SseFrames.RunAsync(Client, _app.RunPath(Credentials.SandboxId), body));

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        _app.Dispose();
    }
}

/// <summary>The exporter's collection: the exporter adds from whichever thread ends a span, tests read a snapshot.</summary>
internal sealed class ExportedSpans : Collection<Activity>
{
    private readonly Lock _lock = new();

    /// <summary>The run span of <paramref name="runId"/>.</summary>
    public Activity Run(string runId) =>
        Snapshot().Single(a => a.OperationName == "run" && (string?)a.GetTagItem("portage.run.id") == runId);

    /// <summary>Every span of the trace of <paramref name="span"/>.</summary>
    public List<Activity> TraceOf(Activity span) => [.. Snapshot().Where(a => a.TraceId == span.TraceId)];

    public List<Activity> Snapshot()
    {
        lock (_lock)
        {
            return [.. this];
        }
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_lock)
        {
            base.InsertItem(index, item);
        }
    }
}
