namespace Portage.Core.Sessions;

/// <summary>
/// One provider's conversation handle, bound to one window. For stateless providers Portage keeps the
/// provider-native transcript (<see cref="TranscriptJson"/>) to replay it exactly on continuation (rule 4);
/// <see cref="LastWindowSeq"/> is the last window turn this session has seen, so turns added elsewhere can be caught up.
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
    DateTimeOffset LastActiveAt);
