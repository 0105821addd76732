using Portage.Core.Runs;

namespace Portage.Storage.Sql;

// The run event log: what a resume replays.
public abstract partial class SqlStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One row per run and write (<see cref="FrameBlock"/>), keyed by its last frame, all runs in one transaction; a
    /// store that can send the batch as one statement does. A batch sent again has the same keys and is ignored; frames
    /// stored twice in different rows are read once (see <see cref="ListRunEventsAsync"/>).
    /// </remarks>
    public virtual async Task AppendRunEventsAsync(IReadOnlyList<RunFrames> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var blocks = FrameRows(batch);
        if (blocks.Count == 0)
        {
            return;
        }

        await using var db = await WriteTransactionAsync(cancellationToken);
        await db.ExecuteEachAsync(dialect.InsertOrIgnore("run_frames (run_id, last_seq, frame_count, frames) VALUES (@run, @last, @count, @frames)"),
            ["@run", "@last", "@count", "@frames"], blocks.Select(b => new object?[] { b.RunId, b.LastSeq, b.Count, b.Frames }), cancellationToken);
        await db.CommitAsync(cancellationToken);
    }

    /// <summary>Each run's frames of a batch as the row that stores them, runs without frames left out.</summary>
    protected static List<(string RunId, long LastSeq, int Count, byte[] Frames)> FrameRows(IReadOnlyList<RunFrames> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = new List<(string, long, int, byte[])>(batch.Count);
        foreach (var run in batch)
        {
            if (run.Events.Count > 0)
            {
                rows.Add((run.RunId, run.Events.Max(e => e.Seq), run.Events.Count, FrameBlock.Encode(run.Events)));
            }
        }

        return rows;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Every row holds at least one frame after the rows before it (its key, the last frame, is new), so <paramref name="limit"/>
    /// rows hold at least <paramref name="limit"/> frames; a frame already read from an earlier row is skipped.
    /// </remarks>
    public async Task<IReadOnlyList<RunEventRecord>> ListRunEventsAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var blocks = await ReadListAsync("SELECT frames FROM run_frames WHERE run_id = @run AND last_seq > @after ORDER BY last_seq LIMIT @limit",
            r => r.GetFieldValue<byte[]>(0), cancellationToken, ("@run", runId), ("@after", afterSeq), ("@limit", limit));
        var frames = new List<RunEventRecord>();
        var position = afterSeq;
        foreach (var frame in blocks.SelectMany(FrameBlock.Decode).OrderBy(f => f.Seq))
        {
            if (frame.Seq > position && frames.Count < limit)
            {
                frames.Add(frame);
                position = frame.Seq;
            }
        }

        return frames;
    }

    /// <inheritdoc/>
    public async Task<long> DeleteRunEventsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        await using var db = await WriteAsync(cancellationToken);
        var deleted = await db.QueryAsync(
            "DELETE FROM run_frames WHERE run_id IN (SELECT id FROM runs WHERE status <> 'running' AND finished_at < @before) RETURNING frame_count",
            r => r.GetInt64(0), cancellationToken, ("@before", dialect.LowerBound(endedBefore)));
        return deleted.Sum();
    }
}
