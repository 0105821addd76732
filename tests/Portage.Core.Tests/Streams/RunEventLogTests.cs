using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Core.Streams;

namespace Portage.Core.Tests.Streams;

public sealed class RunEventLogTests
{
    // Each write of the log is a round trip and a transaction on PostgreSQL, and a publish of its runs' signals another:
    // a batch of a few runs is not cut into slices (issue 14).
    [Fact]
    public async Task A_batch_of_up_to_32_runs_is_stored_in_one_write_and_signalled_in_one_publish()
    {
        var (writes, publishes) = await LogAsync(runs: 32);

        Assert.Equal([32], writes);
        Assert.Equal([32], publishes);
    }

    [Fact]
    public async Task A_larger_batch_is_stored_in_up_to_four_writes_each_with_whole_runs()
    {
        var (writes, publishes) = await LogAsync(runs: 200);

        Assert.Equal([50, 50, 50, 50], writes.Order());
        Assert.Equal([50, 50, 50, 50], publishes.Order());
    }

    // Every run's frames are queued before the log starts, so they form one batch.
    private static async Task<(List<int> Writes, List<int> Publishes)> LogAsync(int runs)
    {
        var writes = new List<int>();
        var store = AppendOnlyRunStore.Create(batch =>
        {
            Assert.All(batch, run => Assert.Equal(2, run.Events.Count));
            lock (writes)
            {
                writes.Add(batch.Count);
            }
        });
        var signals = new RecordingSignals();
        using var log = new RunEventLog(store, signals, TimeProvider.System, Options.Create(new RunOptions { EventLogBatchMilliseconds = 0 }),
            NullLogger<RunEventLog>.Instance);
        for (var run = 0; run < runs; run++)
        {
            log.Append($"run_{run}", new RunEventRecord(1, "run_started", "{}"));
            log.Append($"run_{run}", new RunEventRecord(2, "agent_finish", "{}"));
        }

        var flushed = log.FlushAsync();
        await log.StartAsync(CancellationToken.None);
        await flushed.WaitAsync(TimeSpan.FromSeconds(10));
        await log.StopAsync(CancellationToken.None);
        return (writes, signals.Publishes);
    }

    private sealed class RecordingSignals : IRunSignals
    {
        public List<int> Publishes { get; } = [];

        public Task PublishAsync(RunSignal signal, CancellationToken cancellationToken) => PublishAsync([signal], cancellationToken);

        public Task PublishAsync(IReadOnlyList<RunSignal> signals, CancellationToken cancellationToken)
        {
            Assert.All(signals, signal => Assert.Equal(RunSignalKind.Events, signal.Kind));
            lock (Publishes)
            {
                Publishes.Add(signals.Count);
            }

            return Task.CompletedTask;
        }

        public IDisposable Subscribe(Action<RunSignal> handler) => throw new NotSupportedException();
    }

    // A run store that only takes frames: the event log calls nothing else.
    public class AppendOnlyRunStore : DispatchProxy
    {
        private Action<IReadOnlyList<RunFrames>> _append = null!;

        public static IRunStore Create(Action<IReadOnlyList<RunFrames>> append)
        {
            var store = Create<IRunStore, AppendOnlyRunStore>();
            ((AppendOnlyRunStore)(object)store)._append = append;
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IRunStore.AppendRunEventsAsync) && args is [IReadOnlyList<RunFrames> batch, _])
            {
                _append(batch);
                return Task.CompletedTask;
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
