namespace Portage.Core.Sessions;

/// <summary>
/// One provider's conversation handle, bound to one window. For stateless providers Portage keeps the
/// provider-native transcript (<see cref="TranscriptJson"/>) to replay it exactly on continuation (rule 4);
/// <see cref="LastWindowSeq"/> is the last window turn this session has seen, so turns added elsewhere can be caught up.
/// A transcript read back is in two parts: <see cref="TranscriptJson"/> as last written whole, and
/// <see cref="AppendedJson"/>, what runs appended since (read and parsed apart, not copied into one string first).
/// </summary>
public sealed record SessionRecord(
    string Id,
    string SandboxId,
    string EndUserId,
    string WindowId,
    string Provider,
    string Model,
    string? ProviderSessionId,
    string TranscriptJson,
    long LastWindowSeq,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActiveAt)
{
    /// <summary>The messages runs appended after <see cref="TranscriptJson"/> since it was last written whole, as a JSON array; null when none.</summary>
    public string? AppendedJson { get; init; }

    /// <summary>
    /// The store left <see cref="TranscriptJson"/> (empty then) and <see cref="AppendedJson"/> out: the caller said it
    /// holds the transcript at this very version (see <see cref="TranscriptVersion"/>).
    /// </summary>
    public bool TranscriptOmitted { get; init; }

    /// <summary>The whole transcript as one JSON array: <see cref="TranscriptJson"/>, then <see cref="AppendedJson"/>.</summary>
    public string WholeTranscriptJson => Sessions.TranscriptJson.Join(TranscriptJson, AppendedJson);
}
