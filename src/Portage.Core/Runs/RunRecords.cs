using Portage.Core.Ingest;
using Portage.Core.Sessions;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>A run as stored.</summary>
public sealed record RunRecord(
    string Id,
    string SandboxId,
    string EndUserId,
    string WindowId,
    string SessionId,
    string Provider,
    string Model,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt = null,
    string? StopReason = null,
    string? UsageJson = null,
    string? Error = null,
    string? IdempotencyKey = null,
    string? RequestFingerprint = null)
{
    /// <summary>Who the run acts for and where it writes.</summary>
    public RunScope Scope => new(SandboxId, EndUserId, WindowId, SessionId, Id);
}

/// <summary>
/// A run's answer and continuation: <paramref name="OutputText"/> is the text of its assistant turn (null while it runs
/// or once its window was purged); <paramref name="ProviderSessionId"/> is what <c>agent_finish</c> named as
/// <c>session_id</c> (the provider's own session id where it keeps sessions, else Portage's <c>sess_…</c>).
/// </summary>
public sealed record RunOutput(string? OutputText, string ProviderSessionId);

/// <summary>One stored frame of a run's event stream: its sequence number (from 1), event name and JSON data.</summary>
public sealed record RunEventRecord(long Seq, string Event, string Data);

/// <summary>Frames of one run, as the event log stores them together with other runs' frames.</summary>
public sealed record RunFrames(string RunId, IReadOnlyList<RunEventRecord> Events);

/// <summary>
/// Thrown by <see cref="IRunStore.StartRunAsync"/> when the sandbox and end user already have a run with the same
/// idempotency key: the request joins that run instead of starting a second one.
/// </summary>
public sealed class DuplicateIdempotencyKeyException(string idempotencyKey, Exception? inner = null)
    : Exception($"A run with idempotency key '{idempotencyKey}' already exists.", inner)
{
    /// <summary>The key that is taken.</summary>
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>What is written when a run starts, in one transaction: the run, a new session if any, the user turns.</summary>
public sealed record RunStart(RunRecord Run, SessionRecord? NewSession, IReadOnlyList<NewTurn> UserTurns)
{
    /// <summary>
    /// A window the run starts (rules 3c and 3e), written in the same transaction and leased to the run until
    /// <see cref="LeaseExpiresAt"/>: a start that fails (an idempotency key taken by a concurrent retry) leaves no empty window.
    /// </summary>
    public WindowRecord? NewWindow { get; init; }

    /// <summary>When the new window's lease expires unless renewed.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>
    /// The lease of the run's existing window, taken by this start (or the start throws
    /// <see cref="WindowChangedException"/> and writes nothing); null when the run already holds it or starts the window.
    /// </summary>
    public LeaseTake? TakeLease { get; init; }

    /// <summary>What a run started through the Responses API keeps beyond the run (<see cref="IResponseStore"/>), or null.</summary>
    public ResponseDetails? Response { get; init; }
}

/// <summary>
/// What is written when a run ends, in one transaction (rule 7): the assistant turn, the session's transcript, the
/// run's outcome, the release of the window lease, and the job that indexes the run as conversation memory. The
/// session takes the run's model (a continued session may switch models within its provider).
/// </summary>
public sealed record RunEnd(
    RunScope Scope,
    string SessionModel,
    NewTurn AssistantTurn,
    string? ProviderSessionId,
    string TranscriptJson,
    string Status,
    string? StopReason,
    string? UsageJson,
    string? Error,
    DateTimeOffset FinishedAt)
{
    /// <summary>The conversation-memory job stored with the run's end, or null.</summary>
    public IngestJobRecord? Memory { get; init; }

    /// <summary>The chunks of <see cref="Memory"/>, stored with it and the job completed; null leaves the job queued.</summary>
    public JobChunks? MemoryChunks { get; init; }

    /// <summary>How <see cref="TranscriptJson"/> changes the session's stored transcript.</summary>
    public TranscriptWrite Transcript { get; init; } = TranscriptWrite.Replace;
}

/// <summary>How a run's end changes its session's stored transcript.</summary>
public enum TranscriptWrite
{
    /// <summary>The transcript is replaced whole, with what the store had appended to it.</summary>
    Replace,

    /// <summary>The run replayed the stored transcript unchanged: only the messages it added are stored, after it.</summary>
    Append,

    /// <summary>The session started with the run: the transcript is written whole and nothing was appended to it yet.</summary>
    First,
}
