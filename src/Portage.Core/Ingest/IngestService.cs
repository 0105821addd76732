using System.Text.RegularExpressions;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol.Ingest;

namespace Portage.Core.Ingest;

/// <summary>The result of an accepted ingest: the stored job, and the turn it appended to a context window, if any.</summary>
/// <param name="Job">The queued job.</param>
/// <param name="TurnSeq">The sequence number of the appended turn (conversation ingest into a window).</param>
public sealed record IngestAccepted(IngestJobRecord Job, long? TurnSeq);

/// <summary>
/// Validates an ingest and stores it as a queued job (the 202 of copass-compat §7.3); <see cref="IngestWorker"/>
/// chunks and indexes it. Content ingested into a context window belongs to the window's end user (conversation
/// memory, rule 2), and <c>source_type: conversation</c> into a window also appends a turn to it.
/// </summary>
public sealed partial class IngestService(
    IIngestStore store,
    IIngestTargets targets,
    IWindowStore windows,
    IngestSignal signal,
    IIdGenerator ids,
    WindowLeases leases,
    SandboxService sandboxes,
    TimeProvider time)
{
    /// <summary>The <c>source_type</c> of a conversation turn.</summary>
    public const string Conversation = "conversation";

    private const int MaxNameLength = 255;
    private const int MaxFilePathLength = 1024;
    private const int MaxParticipants = 64;

    /// <summary>Validates and enqueues an ingest of the sandbox (whose access the caller has already checked).</summary>
    public async Task<IngestAccepted> EnqueueAsync(string sandboxId, IngestTextRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await sandboxes.EnsureOpenAsync(sandboxId, "ingest", cancellationToken);
        var (text, headerPath) = SplitFileHeader(request.Text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw PortageException.BadRequest("invalid_text", "text is required: the content to ingest, not empty or only whitespace.");
        }

        var sourceType = ValidateSourceType(request.SourceType);
        var filePath = NormalizeFilePath(request.FilePath ?? headerPath);
        var occurredAt = ParseOccurredAt(request.OccurredAt);
        var speaker = Optional(request.Speaker, "speaker");
        var participants = ValidateParticipants(request.Participants);
        var projectId = Optional(request.ProjectId, "project_id");
        var endUserId = request.EndUserId is null ? null : EndUserIds.Validate(request.EndUserId);

        WindowRecord? window = null;
        var sourceId = Optional(request.DataSourceId, "data_source_id");
        if (sourceId is not null)
        {
            var target = await targets.FindAsync(sandboxId, sourceId, cancellationToken);
            if (target is null || (target.Window?.EndUserId is { } owner && endUserId is not null && owner != endUserId))
            {
                // Another end user's window answers exactly as a missing one (rule 2).
                throw PortageException.NotFound("source_not_found",
                    $"No data source '{sourceId}' in this sandbox. Create one with POST …/sources, or omit data_source_id.");
            }

            window = target.Window;
        }

        if (window is not null)
        {
            window = await PrepareWindowAsync(sandboxId, window, endUserId, cancellationToken);
            endUserId = window.EndUserId;
        }

        var now = time.GetUtcNow();
        var job = new IngestJobRecord(ids.NewId("job"), sandboxId, sourceId, projectId,
            endUserId, text, sourceType, filePath, occurredAt, speaker, participants, IngestStatus.Queued, 0, null, null, now, null, null);

        long? turnSeq = null;
        if (window is not null && sourceType == Conversation)
        {
            var turn = ToTurn(text, speaker, now);
            job = job with { Text = turn.Parts[0].Text!, Speaker = turn.Speaker };
            turnSeq = await AppendWhenFreeAsync(job, turn, cancellationToken);
        }
        else
        {
            await store.EnqueueAsync(job, cancellationToken);
        }

        signal.Notify();
        return new IngestAccepted(job, turnSeq);
    }

    // A turn appended while a run holds the window would split that run's user turn from its answer, so it lines up
    // with the window's runs in this process and waits for a run of another replica as a run that found its window by
    // itself does (rule 8: Runs:LockWaitSeconds), then gives up with 409.
    private async Task<long> AppendWhenFreeAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken)
    {
        var windowId = job.DataSourceId!;
        var deadline = leases.WaitDeadline();
        using var slot = await leases.EnterLineAsync(windowId, deadline, cancellationToken) ?? throw new WindowBusyException(windowId);
        var poll = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            try
            {
                return await store.EnqueueTurnAsync(job, turn with { CreatedAt = time.GetUtcNow() }, cancellationToken);
            }
            catch (WindowBusyException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromTicks(Math.Clamp((deadline - time.GetUtcNow()).Ticks, 0, poll.Ticks)), time, cancellationToken);
                poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
    }

    /// <summary>
    /// Queues turns that are already in their window (a run recorded them) for indexing as the window's end user's
    /// conversation memory, without appending them again: one job for all of them, each turn chunked on its own.
    /// </summary>
    public async Task<IngestJobRecord> IndexTurnsAsync(WindowRecord window, IReadOnlyList<IngestTurn> turns, string? projectId, CancellationToken cancellationToken)
    {
        var job = TurnsJob(window, turns, projectId);
        await store.EnqueueAsync(job, cancellationToken);
        signal.Notify();
        return job;
    }

    /// <summary>
    /// The queued job that indexes <paramref name="turns"/> as <paramref name="window"/>'s conversation content, for a
    /// caller that stores it in a transaction of its own (a run's end); call <see cref="IngestSignal.Notify"/> after.
    /// </summary>
    public IngestJobRecord TurnsJob(WindowRecord window, IReadOnlyList<IngestTurn> turns, string? projectId)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(turns);
        return new IngestJobRecord(ids.NewId("job"), window.SandboxId, window.Id, projectId, window.EndUserId, string.Empty, Conversation, null, null, null,
            null, IngestStatus.Queued, 0, null, null, time.GetUtcNow(), null, null, turns);
    }

    /// <summary>A job of the sandbox, or 404 <c>job_not_found</c>.</summary>
    public async Task<IngestJobRecord> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken) =>
        await store.GetJobAsync(sandboxId, jobId, cancellationToken)
        ?? throw PortageException.NotFound("job_not_found", $"No ingest job '{jobId}' in this sandbox. Use the job_id (or status_url) the ingest answered with.");

    /// <summary>
    /// The turn a conversation ingest appends. The speaker decides the role (<c>User</c> → user, <c>Assistant</c> →
    /// assistant, any other name → user, the name kept as speaker). Without a speaker, the legacy
    /// <c>"{role}: {content}"</c> text of older Copass SDKs (§5.6) is understood.
    /// </summary>
    internal static NewTurn ToTurn(string text, string? speaker, DateTimeOffset now)
    {
        if (speaker is null && LegacyTurn().Match(text) is { Success: true } legacy)
        {
            var role = legacy.Groups[1].Value.ToLowerInvariant();
            speaker = char.ToUpperInvariant(role[0]) + role[1..];
            text = text[legacy.Length..];
        }

        speaker ??= "User";
        var isAssistant = speaker.Equals(TurnRole.Assistant, StringComparison.OrdinalIgnoreCase);
        return new NewTurn(isAssistant ? TurnRole.Assistant : TurnRole.User, speaker, null, null, null, RunStatus.Succeeded, now,
            TokenEstimator.Estimate(text), [TurnPart.OfText(text)]);
    }

    private async Task<WindowRecord> PrepareWindowAsync(string sandboxId, WindowRecord window, string? endUserId, CancellationToken cancellationToken)
    {
        // Rule 9, as for a run naming the window: archived by inactivity comes back; paused or closed is refused.
        window = await WindowReopening.ReopenAsync(windows, window,
            $"Context window '{window.Id}' was {window.Status}; it keeps its turns but takes no more. Create a new window (POST …/sources with kind: ephemeral).",
            "add the turn to another window", cancellationToken);

        if (window.EndUserId is null && endUserId is not null)
        {
            await windows.BindEndUserAsync(sandboxId, window.Id, endUserId, cancellationToken);
            window = await windows.GetWindowAsync(sandboxId, window.Id, null, cancellationToken) ?? window;
            if (window.EndUserId != endUserId)
            {
                // Another request bound it first, to someone else.
                throw PortageException.NotFound("source_not_found", $"No data source '{window.Id}' in this sandbox.");
            }
        }

        return window;
    }

    [GeneratedRegex(@"^\[File:([^\]\r\n]+)\][ \t]*\r?\n?")]
    private static partial Regex FileHeader();

    [GeneratedRegex(@"^(user|assistant|system):[ \t]*", RegexOptions.IgnoreCase)]
    private static partial Regex LegacyTurn();
}
