using System.Text.Json.Nodes;
using Portage.Core.Retrieval;

namespace Portage.Core.Ingest;

/// <summary>A job's chunks, ready to store, and the result its row records.</summary>
/// <param name="Chunks">The chunks.</param>
/// <param name="ResultJson">The job's result (<c>chunks</c>, <c>chunking</c>, <c>file_path</c>); the store adds <c>indexed</c> and <c>duplicates</c>.</param>
public sealed record JobChunks(IReadOnlyList<ChunkRecord> Chunks, string ResultJson)
{
    /// <summary>Chunks <paramref name="job"/>: a job of several turns chunks each on its own, so every turn keeps its speaker and is found by itself.</summary>
    public static JobChunks Of(Chunker chunker, IngestJobRecord job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(chunker);
        ArgumentNullException.ThrowIfNull(job);
        var mode = Chunker.ModeOf(job.SourceType, job.FilePath);
        var pieces = job.Turns is { Count: > 0 } turns
            ? [.. turns.SelectMany(t => chunker.Chunk(InputOf(job, t.Text, t.Speaker)))]
            : chunker.Chunk(InputOf(job, job.Text, job.Speaker));
        var chunks = pieces.Select(p => new ChunkRecord(p.Id, job.SandboxId, job.DataSourceId, job.ProjectId, job.EndUserId, p.CanonicalPath, p.Breadcrumb,
            job.FilePath, job.SourceType, p.Content, p.ContentHash, p.TokenEstimate, job.Id, now)).ToList();
        var result = new JsonObject { ["chunks"] = chunks.Count, ["chunking"] = mode };
        if (job.FilePath is not null)
        {
            result["file_path"] = job.FilePath;
        }

        return new JobChunks(chunks, result.ToJsonString());
    }

    private static ChunkInput InputOf(IngestJobRecord job, string text, string? speaker) =>
        new(job.SandboxId, job.DataSourceId, job.EndUserId, text, job.SourceType, job.FilePath, speaker);
}
