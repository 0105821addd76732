using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portage.Core.Errors;
using Portage.Core.Limits;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Core.Telemetry;
using Portage.Protocol.Runs;
using Portage.Protocol;

namespace Portage.Core.Streams;

/// <summary>
/// Runs turns apart from the connections that asked for them: the executor's events are numbered, kept in memory for
/// local readers and queued for the event log, whoever is (or is no longer) reading. A client that disconnects stops
/// its run only when the run says <c>on_disconnect: cancel</c>; <see cref="CancelAsync"/> stops one from any replica.
/// </summary>
public sealed partial class RunHost(
    RunRequestValidator validator,
    RunPlanner planner,
    RunExecutor executor,
    IRunStore runs,
    RunEventLog log,
    IRunSignals signals,
    SpendGate spend,
    ContentLogging content,
    ILogger<RunHost> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, LiveRun> _live = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    /// <summary>
    /// Starts the request's run, or joins the run an earlier request with the same <c>idempotency_key</c> started.
    /// Throws <see cref="PortageException"/> for everything that is still an HTTP status.
    /// </summary>
    public Task<RunHandle> StartRunAsync(string sandboxId, AgentRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StartRunAsync(sandboxId, validator.Validate(request), cancellationToken);
    }

    /// <summary>
    /// Starts (or joins) a run asked for with <paramref name="caller"/>'s key, whose rate limits it counts against, in a
    /// sandbox this request has already read (it is not read again).
    /// </summary>
    public Task<RunHandle> StartRunAsync(Tenancy.SandboxRecord sandbox, AgentRunRequest request, Tenancy.Caller? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(request);
        return StartRunAsync(sandbox.Id, validator.Validate(request) with { Caller = caller, Sandbox = sandbox }, cancellationToken);
    }

    /// <summary>Starts (or joins) the run of a request already validated by <see cref="RunRequestValidator"/>.</summary>
    public async Task<RunHandle> StartRunAsync(string sandboxId, RunRequest valid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(valid);
        if (valid.IdempotencyKey is { } key && await runs.FindRunByIdempotencyKeyAsync(sandboxId, valid.EndUserId, key, cancellationToken) is { } existing)
        {
            return Join(existing, valid);
        }

        PreparedRun run;
        try
        {
            run = await planner.PrepareAsync(sandboxId, valid, cancellationToken);
        }
        catch (Exception ex) when (valid.IdempotencyKey is not null && ex is DuplicateIdempotencyKeyException or PortageException { ErrorType: "run_in_progress" })
        {
            // A concurrent request with the same key won the race (it holds the window or wrote the key first).
            var winner = await runs.FindRunByIdempotencyKeyAsync(sandboxId, valid.EndUserId, valid.IdempotencyKey, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            return Join(winner, valid);
        }

        var live = new LiveRun(run.Record, valid.CancelOnDisconnect);
        _live[run.Scope.RunId] = live;
        _ = Task.Run(() => PumpAsync(live, run), CancellationToken.None);
        return new RunHandle(run.Record, run);
    }

    /// <summary>The run if it is executing in this process.</summary>
    public LiveRun? FindLive(string runId) => _live.TryGetValue(runId, out var live) ? live : null;

    /// <summary>Asks whichever replica runs the run to stop it; true when it runs here (and was told directly).</summary>
    public async Task<bool> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        if (FindLive(runId) is { } live)
        {
            live.Cancel();
            return true;
        }

        await signals.PublishAsync(new RunSignal(RunSignalKind.Cancel, runId), cancellationToken);
        return false;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = signals.Subscribe(signal =>
        {
            if (signal.Kind == RunSignalKind.Cancel)
            {
                FindLive(signal.RunId)?.Cancel();
            }
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();

        // Runs left to finish in the background end with the process: recorded cancelled, their frames flushed.
        var running = _live.Values.ToList();
        foreach (var live in running)
        {
            live.Cancel();
        }

        await Task.WhenAll(running.Select(l => l.Completion)).WaitAsync(cancellationToken);
    }

    private async Task PumpAsync(LiveRun live, PreparedRun run)
    {
        var runId = run.Scope.RunId;
        var terminal = false;

        // Every log line of the run (executor, tools, providers) carries its ids, whoever is reading its stream.
        using var scope = logger.BeginScope(RunLogScope.Of(run.Scope));
        try
        {
            await foreach (var agentEvent in executor.StreamAsync(run, live.Token))
            {
                terminal = agentEvent.IsTerminal;
                await EmitAsync(live, agentEvent);
            }
        }
        catch (Exception ex)
        {
            // The executor records the run before failing; every reader still gets exactly one terminal frame.
            LogRunFailed(logger, content.Redact(ex), runId);
            if (!terminal)
            {
                await EmitAsync(live, new AgentError("Portage failed while running this turn; the server log has the details.", "internal_error") { RunId = runId });
                terminal = true;
            }
        }

        if (!terminal)
        {
            // Stopped by a disconnect, a cancel request or shut-down: the log still ends with a terminal frame, for
            // whoever resumes the run later.
            await EmitAsync(live, new AgentError("The run was cancelled before it finished; what it had produced is kept in the window.", "run_cancelled") { RunId = runId });
        }

        try
        {
            await log.FlushAsync();
        }
        finally
        {
            // Normally given back by the executor after the run's commit; here also when it failed before reaching it.
            await spend.ReleaseAsync(run.Spend is { Settled: false } hold ? hold : null);
            await run.Lease.DisposeAsync();
            live.Complete();
            _live.TryRemove(runId, out _);
            live.Dispose();
        }
    }

    // A retry joins the run its key started, but only as the same turn: the key reused for another message (a client
    // bug that would hand one question another's answer) is refused. Runs stored before fingerprints existed join as before.
    private static RunHandle Join(RunRecord existing, RunRequest request)
    {
        if (existing.RequestFingerprint is { } stored && stored != request.Fingerprint)
        {
            throw PortageException.Conflict("idempotency_key_reused",
                $"idempotency_key '{existing.IdempotencyKey}' already started run '{existing.Id}' with a different request. Use a new key for a new turn; reuse a key only to retry the same request.");
        }

        return new RunHandle(existing, null);
    }

    // A terminal frame is stored before anyone reads it: a client that saw the run end and resumes after it later (say
    // after this process died) finds it in the log, instead of a frame the log never got and an error in its place.
    private async Task EmitAsync(LiveRun live, AgentEvent agentEvent)
    {
        var data = JsonSerializer.Serialize(agentEvent, agentEvent.GetType(), ProtocolJson.Wire);
        if (agentEvent.IsTerminal)
        {
            log.Append(live.Record.Id, new RunEventRecord(live.NextSeq, agentEvent.EventName, data));
            await log.FlushAsync();
            live.Add(agentEvent.EventName, data);
            return;
        }

        var seq = live.Add(agentEvent.EventName, data);
        log.Append(live.Record.Id, new RunEventRecord(seq, agentEvent.EventName, data));
    }

    [LoggerMessage(LogLevel.Error, "Run {RunId} failed while streaming")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string runId);
}

/// <summary>A started or joined run: the run, and what was prepared when this request started it (null when joined).</summary>
public sealed record RunHandle(RunRecord Run, PreparedRun? Prepared)
{
    /// <summary>True when the request joined a run an earlier request with the same idempotency key started.</summary>
    public bool Joined => Prepared is null;
}
