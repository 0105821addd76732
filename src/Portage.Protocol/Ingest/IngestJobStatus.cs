using System.Text.Json.Serialization;

namespace Portage.Protocol.Ingest;

/// <summary>Answer of <c>GET /api/v1/storage/sandboxes/{sandbox_id}/ingest/{job_id}</c> (copass-compat §7.3).</summary>
public sealed record IngestJobStatus
{
    /// <summary>The job id.</summary>
    public required string JobId { get; init; }

    /// <summary><c>queued</c>, <c>processing</c>, <c>completed</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary><c>ingest_text</c>.</summary>
    public string JobType { get; init; } = "ingest_text";

    /// <summary>Whether the payload is encrypted at rest (never, in Portage).</summary>
    public bool Encrypted { get; init; }

    /// <summary>What the job produced, once completed.</summary>
    public IngestJobResult? Result { get; init; }

    /// <summary>Why the last attempt failed (kept while a retry is pending).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Failed attempts so far.</summary>
    public int RetryCount { get; init; }

    /// <summary>When it was accepted.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When the last attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it completed or failed for good.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Portage: the sandbox.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SandboxId { get; init; }

    /// <summary>Portage: the data source, when given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataSourceId { get; init; }
}

/// <summary>What a completed ingest job indexed.</summary>
public sealed record IngestJobResult
{
    /// <summary>Chunks the text was cut into.</summary>
    public int Chunks { get; init; }

    /// <summary>Chunks added to the index.</summary>
    public int Indexed { get; init; }

    /// <summary>Chunks skipped because identical content was already indexed.</summary>
    public int Duplicates { get; init; }

    /// <summary>How the text was cut: <c>markdown</c>, <c>code</c>, <c>conversation</c> or <c>text</c>.</summary>
    public string? Chunking { get; init; }

    /// <summary>The source file, when known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FilePath { get; init; }
}
