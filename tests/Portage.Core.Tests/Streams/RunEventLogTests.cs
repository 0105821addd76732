using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Signals;
using Portage.Core.Streams;

namespace Portage.Core.Tests.Streams;

public sealed class RunEventLogTests
{
    [Fact]
    public async Task Frames_whose_write_did_not_signal_them_are_published_a_signal_a_run()
    {
        var (stored, published) = await LogTwoRunsAsync(storeSignals: false);

        Assert.Equal(["run_1", "run_2"], stored.Order());
        Assert.Equal([new RunSignal(RunSignalKind.Events, "run_1"), new RunSignal(RunSignalKind.Events, "run_2")],
            published.OrderBy(s => s.RunId));
    }

    // PostgreSQL's write notifies the replicas itself (PostgresStore.AppendRunEventsAsync): a publish after it would be a
    // second round trip and a second notification a run.
    [Fact]
    public async Task Frames_whose_write_signalled_them_are_not_published_again()
    {
        var (stored, published) = await LogTwoRunsAsync(storeSignals: true);

        Assert.Equal(["run_1", "run_2"], stored.Order());
        Assert.Empty(published);
    }

    private static async Task<(List<string> Stored, List<RunSignal> Published)> LogTwoRunsAsync(bool storeSignals)
    {
        var stored = new List<string>();
        var store = AppendOnlyRunStore.Create(batch =>
        {
            lock (stored)
            {
                stored.AddRange(batch.Select(run => run.RunId));
            }

            return storeSignals;
        });
        var signals = new RecordingSignals();
        using var log = new RunEventLog(store, signals, TimeProvider.System, Options.Create(new RunOptions { EventLogBatchMilliseconds = 0 }),
            NullLogger<RunEventLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        log.Append("run_1", new RunEventRecord(1, "run_started", "{}"));
        log.Append("run_2", new RunEventRecord(1, "run_started", "{}"));
        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await log.StopAsync(CancellationToken.None);
        return (stored, signals.Published);
    }

    private sealed class RecordingSignals : IRunSignals
    {
        public List<RunSignal> Published { get; } = [];

        public Task PublishAsync(RunSignal signal, CancellationToken cancellationToken) => PublishAsync([signal], cancellationToken);

        public Task PublishAsync(IReadOnlyList<RunSignal> signals, CancellationToken cancellationToken)
        {
            lock (Published)
            {
                Published.AddRange(signals);
            }

            return Task.CompletedTask;
        }

        public IDisposable Subscribe(Action<RunSignal> handler) => throw new NotSupportedException();
    }

    // A run store that only takes frames: the event log calls nothing else.
    public class AppendOnlyRunStore : DispatchProxy
    {
        private Func<IReadOnlyList<RunFrames>, bool> _append = null!;

        public static IRunStore Create(Func<IReadOnlyList<RunFrames>, bool> append)
        {
            var store = Create<IRunStore, AppendOnlyRunStore>();
            ((AppendOnlyRunStore)(object)store)._append = append;
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IRunStore.AppendRunEventsAsync) && args is [IReadOnlyList<RunFrames> batch, _]
                ? Task.FromResult(_append(batch))
                : throw new NotSupportedException(targetMethod?.Name);
    }
}
