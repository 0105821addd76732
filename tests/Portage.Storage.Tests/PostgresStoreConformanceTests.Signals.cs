using Microsoft.Extensions.Logging.Abstractions;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Storage.Postgres;

namespace Portage.Storage.Tests;

public sealed partial class PostgresStoreConformanceTests
{
    // Issue 14: the event log's frames and their signal in one statement, not a write and a publish (two round trips).
    [Fact]
    public async Task Frames_stored_with_this_databases_signals_are_signalled_by_their_write_here_and_to_another_process()
    {
        var run = await StartedRunAsync("run_1");
        var database = OpenDatabase();
        await using var here = new PostgresRunSignals(database, NullLogger<PostgresRunSignals>.Instance);
        await using var elsewhere = new PostgresRunSignals(OpenDatabase(), NullLogger<PostgresRunSignals>.Instance);
        var heardHere = new List<RunSignal>();
        var heardElsewhere = new TaskCompletionSource<RunSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var local = here.Subscribe(signal =>
        {
            lock (heardHere)
            {
                heardHere.Add(signal);
            }
        });
        using var remote = elsewhere.Subscribe(signal =>
        {
            if (signal.RunId == "probe")
            {
                listening.TrySetResult();
            }
            else
            {
                heardElsewhere.TrySetResult(signal);
            }
        });
        // The other process subscribes in the background: probed until it hears.
        while (!listening.Task.IsCompleted)
        {
            await here.PublishAsync(new RunSignal(RunSignalKind.Cancel, "probe"), None);
            await Task.WhenAny(listening.Task, Task.Delay(100));
        }

        var store = new PostgresStore(database, here);
        Assert.True(await store.AppendRunEventsAsync([new RunFrames(run.Id, [Frame(1, "run_started"), Frame(2, "agent_text_delta")])], None));

        var expected = new RunSignal(RunSignalKind.Events, run.Id);
        lock (heardHere)
        {
            Assert.Equal([expected], heardHere.Where(s => s.RunId != "probe"));
        }

        Assert.Equal(expected, await heardElsewhere.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1L, 2], (await Runs.ListRunEventsAsync(run.Id, 0, 100, None)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Frames_stored_without_this_databases_signals_are_left_to_the_caller_to_signal()
    {
        var run = await StartedRunAsync("run_1");

        Assert.False(await new PostgresStore(OpenDatabase(), new InProcessRunSignals()).AppendRunEventsAsync([new RunFrames(run.Id, [Frame(1, "run_started")])], None));
        Assert.False(await new PostgresStore(OpenDatabase()).AppendRunEventsAsync([new RunFrames(run.Id, [Frame(2, "agent_finish")])], None));
        Assert.Equal([1L, 2], (await Runs.ListRunEventsAsync(run.Id, 0, 100, None)).Select(e => e.Seq));
    }
}
