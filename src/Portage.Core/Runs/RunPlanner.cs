using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// The part of a run that happens before the first byte: validation, rules 3–5 (which window, which session), rule 8
/// (the window lease) and rule 7's first half (the user turn is written before the provider is called). Everything
/// it throws becomes an HTTP status.
/// </summary>
public sealed partial class RunPlanner(
    ProviderRegistry providers,
    IWindowStore windows,
    IDataSourceStore sources,
    ISessionStore sessions,
    IRunStore runs,
    IIdGenerator ids,
    WindowQueue windowQueue,
    TimeProvider time,
    IOptions<RunOptions> options)
{
    private static readonly TimeSpan MaxLeasePoll = TimeSpan.FromMilliseconds(500);

    /// <summary>Validates the request and prepares the run in the given (already authorized) sandbox.</summary>
    public async Task<PreparedRun> PrepareAsync(string sandboxId, AgentRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The run span starts here so that window resolution is its child; the executor ends it after the commit.
        var trace = RunTrace.Start(sandboxId, time);
        try
        {
            var run = await PrepareTracedAsync(sandboxId, request, trace, cancellationToken);
            trace.Planned(run);
            return run;
        }
        catch (Exception ex)
        {
            PortageTelemetry.Fail(trace.Activity, ex);
            PortageTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", ex is PortageException p ? p.ErrorType : "internal"));
            trace.Dispose();
            throw;
        }
    }

    private async Task<PreparedRun> PrepareTracedAsync(string sandboxId, AgentRunRequest request, RunTrace trace, CancellationToken cancellationToken)
    {
        var userMessages = ValidateMessages(request);
        var endUserId = EndUserIds.Validate(request.EndUserId);
        ModelNames.Validate(request.Model);
        var (provider, model) = ResolveProvider(request);
        if (request.MaxTokens is <= 0)
        {
            throw PortageException.BadRequest("invalid_max_tokens", "max_tokens must be a positive integer, or omitted for the model's default.");
        }

        var runId = ids.NewId("run");
        using var resolution = PortageTelemetry.Source.StartActivity("resolve_window");
        resolution?.SetTag("portage.run.id", runId);
        var namedSession = string.IsNullOrEmpty(request.SessionId)
            ? null
            : await sessions.GetSessionAsync(sandboxId, request.SessionId, endUserId, cancellationToken);
        var (window, named, isNew) = await ChooseWindowAsync(sandboxId, endUserId, request, namedSession, cancellationToken);

        // Rule 8: this process's runs of the window line up first (in arrival order), then the head of the line takes the
        // store's lease, which also holds the window against other replicas. A named window is not waited for.
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(named ? 0 : options.Value.LockWaitSeconds);
        var slot = await windowQueue.EnterAsync(window.Id, deadline - time.GetUtcNow(), cancellationToken) ?? throw RunInProgress(window);
        try
        {
            if (!isNew)
            {
                await AcquireLeaseAsync(window, runId, deadline, cancellationToken);
            }
        }
        catch
        {
            slot.Dispose();
            throw;
        }

        try
        {
            // A new window has no turns and no sessions yet: nothing to read.
            var (session, continues) = isNew
                ? (NewSession(sandboxId, endUserId, window, provider, model), false)
                : await ChooseSessionAsync(sandboxId, endUserId, window, provider, model, request.SessionId, namedSession, cancellationToken);
            var priorTurns = isNew ? []
                : await PriorTurnsAsync(sandboxId, window.Id, continues ? session.LastWindowSeq : 0, provider.ContextBudgetTokens, cancellationToken);
            var now = time.GetUtcNow();
            var run = new RunRecord(runId, sandboxId, endUserId, window.Id, session.Id, provider.Name, model, RunStatus.Running, now,
                IdempotencyKey: request.IdempotencyKey,
                RequestFingerprint: request.IdempotencyKey is null ? null : RunRequestFingerprint.Of(request));
            var userTurns = userMessages
                .Select(text => new NewTurn(TurnRole.User, "User", provider.Name, model, runId, RunStatus.Succeeded, now,
                    EchoChatClient.EstimateTokens(text), [TurnPart.OfText(text)]))
                .ToList();
            resolution?.SetTag("portage.window.id", window.Id);
            resolution?.SetTag("portage.session.id", session.Id);
            resolution?.SetTag("portage.session.continues", continues);
            // A new window is written with the run, already leased to it: a start that fails (a concurrent retry with the
            // same idempotency key won) leaves no empty window behind.
            var seqs = await runs.StartRunAsync(new RunStart(run, continues ? null : session, userTurns)
            {
                NewWindow = isNew ? window : null,
                LeaseExpiresAt = isNew ? now + TimeSpan.FromSeconds(options.Value.LeaseSeconds) : null,
            }, cancellationToken);

            return new PreparedRun
            {
                RunId = runId,
                Record = run,
                Window = window,
                Provider = provider,
                Model = model,
                Session = session,
                ContinuesSession = continues,
                PriorTurns = priorTurns,
                UserMessages = userMessages,
                LastUserTurnSeq = seqs[^1],
                SystemPrompt = request.SystemPrompt ?? "",
                EndUserId = endUserId,
                ReasoningEngineId = string.IsNullOrWhiteSpace(request.ReasoningEngineId) ? null : request.ReasoningEngineId.Trim(),
                Location = string.IsNullOrWhiteSpace(request.Location) ? null : request.Location.Trim(),
                MaxTokens = request.MaxTokens,
                StartedAt = now,
                Trace = trace,
                Slot = slot,
            };
        }
        catch
        {
            if (!isNew)
            {
                await windows.ReleaseLeaseAsync(window.Id, runId, CancellationToken.None);
            }

            slot.Dispose();
            throw;
        }
    }

    // The turns the executor may render (rule 4's gap for a continued session, rule 6's window for a new one), read
    // newest first a page at a time until they exceed the provider's budget and start at an exchange: the renderer
    // keeps whole exchanges from the newest back, so older turns could not be sent anyway. A window of 100,000 turns
    // then costs a run a page or two, not the whole window.
    private async Task<List<TurnRecord>> PriorTurnsAsync(string sandboxId, string windowId, long afterSeq, int budgetTokens, CancellationToken cancellationToken)
    {
        const int page = 256;
        var turns = new List<TurnRecord>();
        long tokens = 0;
        var before = long.MaxValue;
        while (true)
        {
            var older = await windows.ListTurnsBeforeAsync(sandboxId, windowId, before, afterSeq, page, cancellationToken);
            turns.InsertRange(0, older);
            tokens += older.Sum(t => (long)t.TokenEstimate);
            if (older.Count < page || (tokens > budgetTokens && turns[0].Role == TurnRole.User))
            {
                return turns;
            }

            before = older[0].Seq;
        }
    }

    // A provider without credentials is refused before streaming, naming what to set. With reasoning_engine_id the
    // provider's Agent Engine variant runs, and the engine stands in for the model: its sessions are the engine's own.
    private (ProviderDefinition Provider, string Model) ResolveProvider(AgentRunRequest request)
    {
        var provider = providers.Resolve(request.Provider);
        if (!string.IsNullOrWhiteSpace(request.ReasoningEngineId))
        {
            // Both end up in a URL (the region in the host name), so only plain identifiers pass.
            if (!ResourceId().IsMatch(request.ReasoningEngineId.Trim()))
            {
                throw PortageException.BadRequest("invalid_reasoning_engine_id",
                    "reasoning_engine_id is the Agent Engine's id (letters, digits, '-' and '_'; for example 1234567890123456789), not a URL or resource path.");
            }

            if (!string.IsNullOrWhiteSpace(request.Location) && !Region().IsMatch(request.Location.Trim()))
            {
                throw PortageException.BadRequest("invalid_location", "location is a Google Cloud region such as us-central1 or europe-west4.");
            }

            provider = provider.AgentEngine
                ?? throw PortageException.BadRequest("reasoning_engine_unsupported",
                    $"reasoning_engine_id is only understood by provider 'google' (Vertex AI Agent Engine); provider '{provider.Name}' has no agent engines. Remove reasoning_engine_id.");
        }

        if (!provider.Configured)
        {
            throw PortageException.BadRequest("provider_not_configured",
                $"Provider '{provider.Name}' is not configured: set {provider.Needs} and restart the router. GET /api/v1/providers lists what each provider needs.");
        }

        if (provider.ServerSideSessions && !string.IsNullOrWhiteSpace(request.ReasoningEngineId))
        {
            return (provider, AgentEngineModel(request.ReasoningEngineId.Trim()));
        }

        return (provider, string.IsNullOrWhiteSpace(request.Model) ? provider.DefaultModel : request.Model.Trim());
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex ResourceId();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}$")]
    private static partial Regex Region();

    /// <summary>The model name recorded for runs on an Agent Engine: the engine decides which model answers.</summary>
    public static string AgentEngineModel(string reasoningEngineId) => "agent-engine/" + reasoningEngineId;

    private List<string> ValidateMessages(AgentRunRequest request)
    {
        if (request.Messages is null || request.Messages.Count == 0)
        {
            throw PortageException.BadRequest("invalid_messages",
                "messages is required: a list with at least one {\"role\": \"user\", \"content\": \"...\"}.");
        }

        // Each message becomes a turn: one body must not fan out into thousands of them.
        var limit = options.Value.MaxMessagesPerRun;
        if (request.Messages.Count > limit)
        {
            throw PortageException.BadRequest("too_many_messages",
                $"messages has {request.Messages.Count} entries; a run takes at most {limit} (Runs:MaxMessagesPerRun). Send the new user message only: " +
                "earlier turns come from the context window (pass session_id), and documents go to the ingest endpoint.");
        }

        var texts = new List<string>(request.Messages.Count);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
            {
                throw PortageException.BadRequest("invalid_messages", $"messages[{i}] is null; each message is {{\"role\": \"user\", \"content\": \"...\"}}.");
            }

            if (!string.Equals(message.Role, "user", StringComparison.Ordinal))
            {
                throw PortageException.BadRequest("invalid_messages",
                    $"messages[{i}].role is '{message.Role}'; only 'user' is accepted. Earlier turns come from the context window: pass session_id instead of resending history.");
            }

            if (string.IsNullOrWhiteSpace(message.Content))
            {
                throw PortageException.BadRequest("invalid_messages", $"messages[{i}].content is empty; send the user's text.");
            }

            texts.Add(message.Content);
        }

        return texts;
    }

    // Rule 3, first match wins. "named" means the caller pointed at this window (by id or session), which changes
    // rules 8 (no waiting) and 9 (an explicitly archived window is refused).
    // "isNew" means the window does not exist yet: the run's start writes it (see PrepareTracedAsync).
    private async Task<(WindowRecord Window, bool Named, bool IsNew)> ChooseWindowAsync(
        string sandboxId, string endUserId, AgentRunRequest request, SessionRecord? namedSession, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(request.ContextWindowId))
        {
            var window = await windows.GetWindowAsync(sandboxId, request.ContextWindowId, null, cancellationToken);
            if (window is null && await sources.GetSourceAsync(sandboxId, request.ContextWindowId, cancellationToken) is { } durable)
            {
                // The caller's key sees every source of its sandboxes, so naming the kind leaks nothing (rule 2).
                throw PortageException.BadRequest("not_a_context_window",
                    $"Data source '{durable.Id}' is a durable source (provider '{durable.Provider}'), not a context window. context_window_id takes a source " +
                    "with kind: ephemeral: create one with POST …/sources {\"provider\": \"custom\", \"name\": \"…\", \"kind\": \"ephemeral\"}, or omit context_window_id.");
            }

            var notFound = PortageException.NotFound("window_not_found",
                $"No context window '{request.ContextWindowId}' for end user '{endUserId}' in this sandbox. Omit context_window_id to continue the end user's active window.");
            if (window is null || (window.EndUserId is not null && window.EndUserId != endUserId))
            {
                throw notFound;
            }

            if (window.EndUserId is null)
            {
                // A window created without an end user belongs to the first one who uses it. The claim is a conditional
                // update, and another end user's request (an ingest, a run) may have made it between the read above and
                // here: only the window as stored after the claim says whose it is.
                await windows.BindEndUserAsync(sandboxId, window.Id, endUserId, cancellationToken);
                window = await windows.GetWindowAsync(sandboxId, window.Id, endUserId, cancellationToken) ?? throw notFound;
            }

            return (await ReopenAsync(window, cancellationToken), true, false);
        }

        if (!string.IsNullOrEmpty(request.SessionId))
        {
            var session = namedSession
                ?? throw PortageException.NotFound("session_not_found",
                    $"No session '{request.SessionId}' for end user '{endUserId}' in this sandbox. Omit session_id to continue the end user's active window, or set new_window: true.");
            var window = await windows.GetWindowAsync(sandboxId, session.WindowId, endUserId, cancellationToken)
                ?? throw PortageException.NotFound("window_not_found", $"The window of session '{request.SessionId}' no longer exists. Omit session_id to start again.");
            return (await ReopenAsync(window, cancellationToken), true, false);
        }

        if (request.NewWindow != true)
        {
            var active = await windows.FindActiveWindowAsync(sandboxId, endUserId, cancellationToken);
            if (active is not null)
            {
                return (active, false, false);
            }
        }

        var now = time.GetUtcNow();
        var created = new WindowRecord(ids.NewId("ds"), sandboxId, endUserId, $"window-{now.ToUnixTimeMilliseconds()}",
            SourceStatus.Active, null, now, now, 0);
        return (created, false, true);
    }

    // Rule 9: explicitly archived windows are refused; windows archived for inactivity come back. A paused window
    // (or one in error) waits for POST …/resume: a run is not a resume.
    private async Task<WindowRecord> ReopenAsync(WindowRecord window, CancellationToken cancellationToken)
    {
        if (window.IsActive)
        {
            return window;
        }

        if (window.IsClosedExplicitly)
        {
            throw PortageException.Conflict("window_archived",
                $"Context window '{window.Id}' was archived. Its turns stay readable (GET …/sources/{window.Id}/turns); to go on talking, omit session_id and context_window_id (or set new_window: true) to start a new window.");
        }

        if (window.Status != SourceStatus.Archived)
        {
            throw PortageException.Conflict("window_paused",
                $"Context window '{window.Id}' is {window.Status}. Resume it with POST …/sources/{window.Id}/resume, or omit session_id and context_window_id to use another window.");
        }

        await windows.SetWindowStatusAsync(window.SandboxId, window.Id, SourceStatus.Active, null, cancellationToken);
        return window with { Status = SourceStatus.Active, ArchivedReason = null };
    }

    // The head of this process's line takes the store's lease. A run of this process has released it by the time the
    // next one gets here; a run of another replica holding it is waited for by polling, less often the longer the wait.
    private async Task AcquireLeaseAsync(WindowRecord window, string runId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var poll = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            var now = time.GetUtcNow();
            if (await windows.TryAcquireLeaseAsync(window.Id, runId, now, now + lease, cancellationToken))
            {
                return;
            }

            if (now >= deadline)
            {
                throw RunInProgress(window);
            }

            await Task.Delay(TimeSpan.FromTicks(Math.Min(poll.Ticks, (deadline - now).Ticks)), time, cancellationToken);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxLeasePoll.Ticks));
        }
    }

    private static PortageException RunInProgress(WindowRecord window) => PortageException.Conflict("run_in_progress",
        $"Context window '{window.Id}' has a run in progress; one run at a time per window. Wait for its agent_finish and retry, or set new_window: true for a parallel conversation.");


    // Rules 4 and 5: continue a session of the same provider; a session of another provider means "continue its
    // window on this provider" in a fresh session; no session_id reuses the window's latest session of this provider+model.
    private async Task<(SessionRecord Session, bool Continues)> ChooseSessionAsync(
        string sandboxId, string endUserId, WindowRecord window, ProviderDefinition provider, string model, string? sessionId,
        SessionRecord? named, CancellationToken cancellationToken)
    {
        SessionRecord? existing = null;
        if (!string.IsNullOrEmpty(sessionId))
        {
            // A server-side session lives in one engine: the same provider name on another engine is a switch (rule 5).
            if (named is not null && named.WindowId == window.Id && string.Equals(named.Provider, provider.Name, StringComparison.OrdinalIgnoreCase)
                && (!provider.ServerSideSessions || string.Equals(named.Model, model, StringComparison.Ordinal)))
            {
                existing = named;
            }
        }
        else
        {
            existing = await sessions.FindLatestSessionAsync(sandboxId, window.Id, provider.Name, model, cancellationToken);
        }

        if (existing is not null)
        {
            return (existing with { Model = model }, true);
        }

        return (NewSession(sandboxId, endUserId, window, provider, model), false);
    }

    private SessionRecord NewSession(string sandboxId, string endUserId, WindowRecord window, ProviderDefinition provider, string model)
    {
        var now = time.GetUtcNow();
        return new SessionRecord(ids.NewId("sess"), sandboxId, endUserId, window.Id, provider.Name, model, null, "[]", 0, now, now);
    }
}
