using Portage.Core.Runs;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    public override async Task AppendRunEventsAsync(IReadOnlyList<RunFrames> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var frames = batch.SelectMany(run => run.Events.Select(e => (run.RunId, Frame: e))).ToList();
        if (frames.Count == 0)
        {
            return;
        }

        // One statement for the batch, every run's frames in it: the frames arrive in batches from the event log's writer.
        await using var db = await WriteAsync(cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO run_events (run_id, seq, event, data) SELECT * FROM unnest(@runs, @seqs, @events, @datas) ON CONFLICT DO NOTHING",
            cancellationToken, ("@runs", frames.Select(f => f.RunId).ToArray()), ("@seqs", frames.Select(f => f.Frame.Seq).ToArray()),
            ("@events", frames.Select(f => f.Frame.Event).ToArray()), ("@datas", frames.Select(f => f.Frame.Data).ToArray()));
    }
}
