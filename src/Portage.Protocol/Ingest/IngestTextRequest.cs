using System.Text.Json.Serialization;

namespace Portage.Protocol.Ingest;

/// <summary>
/// Body of <c>POST /api/v1/storage/sandboxes/{sandbox_id}/ingest</c> (copass-compat §7.3, the Copass
/// <c>IngestTextRequest</c>). <see cref="FilePath"/> and <see cref="EndUserId"/> are Portage extensions.
/// </summary>
public sealed record IngestTextRequest
{
    /// <summary>The content. A first line <c>[File: path]</c> names the source file (as Copass harnesses send it).</summary>
    public string? Text { get; init; }

    /// <summary>Advisory type: <c>text</c> (default), <c>markdown</c>, <c>code</c>, <c>conversation</c>, <c>note</c>, …</summary>
    public string? SourceType { get; init; }

    /// <summary>Accepted for compatibility; Portage has no extraction step, so the text is indexed either way.</summary>
    public bool? StorageOnly { get; init; }

    /// <summary>Scope the content to a project.</summary>
    public string? ProjectId { get; init; }

    /// <summary>The data source it belongs to; a context window's id with <c>source_type: conversation</c> appends a turn.</summary>
    public string? DataSourceId { get; init; }

    /// <summary>When it happened (ISO-8601).</summary>
    public string? OccurredAt { get; init; }

    /// <summary>Who said it (conversation turns): <c>User</c>, <c>Assistant</c>, or a name.</summary>
    public string? Speaker { get; init; }

    /// <summary>Who took part (conversation turns).</summary>
    public IReadOnlyList<string>? Participants { get; init; }

    /// <summary>Portage: the source file, relative and <c>/</c>-separated; it becomes the chunks' file path and breadcrumb root.</summary>
    public string? FilePath { get; init; }

    /// <summary>
    /// Portage: the end user the content belongs to. Content with an end user is that end user's memory, retrievable
    /// only for them. Into a context window, it must match the window's end user (or binds a window that has none).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EndUserId { get; init; }
}

/// <summary>The 202 answer of an ingest: the job is stored and will be processed by a background worker.</summary>
public sealed record IngestJobResponse
{
    /// <summary>The job id, <c>job_…</c>.</summary>
    public required string JobId { get; init; }

    /// <summary><c>queued</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Whether the payload is encrypted at rest (never, in Portage).</summary>
    public bool Encrypted { get; init; }

    /// <summary>The sandbox.</summary>
    public required string SandboxId { get; init; }

    /// <summary>The project, when given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProjectId { get; init; }

    /// <summary>Where to poll the job: <c>/api/v1/storage/sandboxes/{sandbox_id}/ingest/{job_id}</c>.</summary>
    public required string StatusUrl { get; init; }

    /// <summary>Portage: the data source, when given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataSourceId { get; init; }

    /// <summary>Portage: the sequence number of the turn a conversation ingest appended to its context window.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TurnSeq { get; init; }
}
