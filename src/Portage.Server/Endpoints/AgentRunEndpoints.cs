using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Server.Sse;

namespace Portage.Server.Endpoints;

/// <summary>The run endpoint: validate and prepare (HTTP errors), then stream (SSE frames).</summary>
internal static partial class AgentRunEndpoints
{
    public static RouteGroupBuilder MapAgentRuns(this RouteGroupBuilder api)
    {
        api.MapPost("/storage/sandboxes/{sandboxId}/agents/run", RunAsync);
        return api;
    }

    private static async Task RunAsync(
        HttpContext context,
        string sandboxId,
        TenancyService tenancy,
        RunPlanner planner,
        RunExecutor executor,
        TimeProvider time,
        IOptions<ServerOptions> options,
        ILoggerFactory loggers,
        ContentLogging content)
    {
        var ct = context.RequestAborted;
        await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, ct);
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.AgentRunRequest, options.Value.MaxRequestBodyBytes, ct);
        var run = await planner.PrepareAsync(sandboxId, request, ct);
        var logger = loggers.CreateLogger("Portage.Server.Runs");

        // Every log line of the run (executor, tools, stream writer) carries its ids: the scope lives in this async
        // method, whose context the stream's iterator runs in.
        using var scope = logger.BeginScope(RunLogScope.Of(run));
        if (content.Enabled)
        {
            LogContent(logger, run.RunId, string.Join("\n", run.UserMessages));
        }

        await RunStreamWriter.WriteAsync(context, executor.StreamAsync(run, ct), run.RunId,
            TimeSpan.FromSeconds(options.Value.PingSeconds), time, logger, content);
    }

    // Content is logged only when Telemetry:LogContent is switched on explicitly (debugging a provider on one's own data).
    [LoggerMessage(LogLevel.Debug, "Run {RunId}: user message {Content}")]
    private static partial void LogContent(ILogger logger, string runId, string content);
}
