using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Server.Sse;

namespace Portage.Server.Endpoints;

/// <summary>The run endpoint: validate and prepare (HTTP errors), then stream (SSE frames).</summary>
internal static class AgentRunEndpoints
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
        ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, ct);
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.AgentRunRequest, options.Value.MaxRequestBodyBytes, ct);
        var run = await planner.PrepareAsync(sandboxId, request, ct);
        await RunStreamWriter.WriteAsync(context, executor.StreamAsync(run, ct), run.RunId,
            TimeSpan.FromSeconds(options.Value.PingSeconds), time, loggers.CreateLogger("Portage.Server.Runs"));
    }
}
