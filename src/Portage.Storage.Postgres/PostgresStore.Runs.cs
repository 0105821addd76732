using Portage.Core.Runs;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    public override async Task AppendRunEventsAsync(string runId, IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        // One statement for the batch: the frames arrive in batches from the event log's writer.
        await using var db = await WriteAsync(cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO run_events (run_id, seq, event, data) SELECT @run, * FROM unnest(@seqs, @events, @datas) ON CONFLICT DO NOTHING",
            cancellationToken, ("@run", runId), ("@seqs", events.Select(e => e.Seq).ToArray()), ("@events", events.Select(e => e.Event).ToArray()),
            ("@datas", events.Select(e => e.Data).ToArray()));
    }
}
