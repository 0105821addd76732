using System.Globalization;
using Portage.Core.Errors;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Protocol;
using Portage.Protocol.Runs;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// The run endpoints: start (or, with an idempotency key, join) a run and stream it; re-join a run's stream from
/// any replica with <c>Last-Event-ID</c>; cancel a run from any replica.
/// </summary>
internal static partial class AgentRunEndpoints
{
    // How long POST …/cancel waits for the run to stop before answering with its status as it is.
    private static readonly TimeSpan s_cancelWait = TimeSpan.FromSeconds(10);

    private const string RunFrames = "Frames: run_started, agent_text_delta, agent_tool_call, agent_tool_result, context_compacted, "
        + "then one agent_finish or agent_error; each is `event: <name>`, `id: <run_id>:<seq>`, one `data: <json>` line.";

    public static RouteGroupBuilder MapAgentRuns(this RouteGroupBuilder sandbox)
    {
        var agents = sandbox.MapGroup("/agents").RequireScope(ApiKeyScopes.Runs).WithTags("Runs");
        agents.MapPost("/run", RunAsync).WithSummary("Run an agent turn and stream it")
            .ReadsJson<AgentRunRequest>().ProducesEventStream(RunFrames).ProducesPortageErrors(StatusCodes.Status409Conflict);
        agents.MapGet("/runs/{runId}/events", EventsAsync).WithSummary("Re-join a run's stream (Last-Event-ID)").ProducesEventStream(RunFrames);
        agents.MapPost("/runs/{runId}/cancel", CancelAsync).WithSummary("Cancel a run")
            .Produces<RunInfo>().Produces<RunInfo>(StatusCodes.Status202Accepted);
        return sandbox;
    }

    private static async Task RunAsync(HttpContext context, RunHost host, RunStreaming streaming)
    {
        var ct = context.RequestAborted;
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.AgentRunRequest, streaming.Options.MaxRequestBodyBytes, ct,
            UnsupportedOptions.ScreenRunRequest);
        var handle = await host.StartRunAsync(SandboxFilter.SandboxOf(context), request, ApiKeyFilter.CallerOf(context), ct);

        // The stream writer's lines carry the run's ids too (the run itself logs under RunHost's scope).
        using var scope = streaming.Logger.BeginScope(RunLogScope.Of(handle.Run.Scope));
        if (handle.Prepared is not null && streaming.Content.Enabled)
        {
            LogContent(streaming.Logger, handle.Run.Id, string.Join("\n", handle.Prepared.Request.UserMessages));
        }

        var revoked = await streaming.WriteAsync(context, handle.Run, 0);

        // Only the connection that started the run can stop it by going away, and only with on_disconnect: cancel. A
        // stream ended because its key was revoked counts as gone away.
        if ((ct.IsCancellationRequested || revoked) && !handle.Joined && host.FindLive(handle.Run.Id) is { CancelOnDisconnect: true } live)
        {
            live.Cancel();
        }
    }

    private static async Task EventsAsync(
        HttpContext context, string sandboxId, string runId, string? last_event_id, IRunStore runs, RunStreaming streaming)
    {
        var run = await runs.GetRunAsync(sandboxId, runId, context.RequestAborted) ?? throw RunNotFound(sandboxId, runId);
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        var after = ParseLastEventId(runId, string.IsNullOrEmpty(header) ? last_event_id : header);
        using var scope = streaming.Logger.BeginScope(RunLogScope.Of(run.Scope));
        await streaming.WriteAsync(context, run, after);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, string sandboxId, string runId, IRunStore runs, RunHost host, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var run = await runs.GetRunAsync(sandboxId, runId, ct) ?? throw RunNotFound(sandboxId, runId);
        if (run.Status == RunStatus.Running)
        {
            var local = host.FindLive(runId);
            await host.CancelAsync(runId, ct);
            run = await WaitUntilStoppedAsync(runs, run, local, time, ct);
        }

        // 202 while the run is still stopping (its replica has not recorded it yet); its status says so.
        var info = await RunListEndpoints.DescribeAsync(runs, run, ct);
        return run.Status == RunStatus.Running
            ? TypedResults.Json(info, ProtocolJson.Wire.RunInfo, statusCode: StatusCodes.Status202Accepted)
            : TypedResults.Json(info, ProtocolJson.Wire.RunInfo);
    }

    private static async Task<RunRecord> WaitUntilStoppedAsync(IRunStore runs, RunRecord run, LiveRun? local, TimeProvider time, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(s_cancelWait);
        try
        {
            if (local is not null)
            {
                await local.Completion.WaitAsync(timeout.Token);
            }

            while (true)
            {
                var current = await runs.GetRunAsync(run.SandboxId, run.Id, timeout.Token) ?? run;
                if (current.Status != RunStatus.Running)
                {
                    return current;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return await runs.GetRunAsync(run.SandboxId, run.Id, ct) ?? run;
        }
    }

    // Last-Event-ID is the id of the last frame the client got, "<run_id>:<seq>"; none means from the start.
    private static long ParseLastEventId(string runId, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !string.Equals(value[..colon], runId, StringComparison.Ordinal)
            || !long.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw PortageException.BadRequest("invalid_last_event_id",
                $"Last-Event-ID is the id of the last frame received from this run, \"{runId}:<seq>\" (for example \"{runId}:12\"); omit it to read the run from the start.");
        }

        return seq;
    }

    internal static PortageException RunNotFound(string sandboxId, string runId) =>
        PortageException.NotFound("run_not_found", $"Run {runId} does not exist in sandbox {sandboxId}.");

    // Content is logged only when Telemetry:LogContent is switched on explicitly (debugging a provider on one's own data).
    [LoggerMessage(LogLevel.Debug, "Run {RunId}: user message {Content}")]
    private static partial void LogContent(ILogger logger, string runId, string content);
}
