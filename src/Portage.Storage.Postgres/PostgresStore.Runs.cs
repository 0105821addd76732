using Portage.Core.Runs;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    public override async Task AppendRunEventsAsync(IReadOnlyList<RunFrames> batch, CancellationToken cancellationToken)
    {
        var rows = FrameRows(batch);
        if (rows.Count == 0)
        {
            return;
        }

        // One statement for the batch, a row per run in it: the frames arrive in batches from the event log's writer.
        await using var db = await WriteAsync(cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO run_frames (run_id, last_seq, frame_count, frames) SELECT * FROM unnest(@runs, @lasts, @counts, @frames) ON CONFLICT DO NOTHING",
            cancellationToken, ("@runs", rows.Select(r => r.RunId).ToArray()), ("@lasts", rows.Select(r => r.LastSeq).ToArray()),
            ("@counts", rows.Select(r => r.Count).ToArray()), ("@frames", rows.Select(r => r.Frames).ToArray()));
    }
}
