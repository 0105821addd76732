using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Streams;

namespace Portage.Core.Tests.Streams;

public sealed class LiveRunTests
{
    // A reader waiting for the next frame gets it on the thread that sent it (issue 14): a hop through the thread pool
    // per frame, fifty in a short answer, cost CPU and, under load, a wait in the pool's queue before each SSE write.
    [Fact]
    public async Task A_waiting_reader_gets_the_new_frame_before_the_send_returns()
    {
        using var live = NewRun();
        await using var frames = live.ReadAsync(0, CancellationToken.None).GetAsyncEnumerator();
        // The reader starts waiting off xunit's synchronization context, which would post its continuation elsewhere.
        var next = await Task.Factory.StartNew(() => frames.MoveNextAsync().AsTask(), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
        Assert.False(next.IsCompleted);

        live.Add("agent_text_delta", "{\"text\":\"Hi\"}");

        Assert.True(next.IsCompleted, "the reader goes on after the send returned (a hop through the thread pool)");
        Assert.True(await next);
        Assert.Equal(1, frames.Current.Seq);
    }

    [Fact]
    public async Task Readers_each_get_every_frame_in_order_and_stop_at_the_terminal_frame()
    {
        using var live = NewRun();
        var ct = CancellationToken.None;
        var first = ReadAllAsync(live.ReadAsync(0, ct));
        var second = ReadAllAsync(live.ReadAsync(0, ct));

        live.Add("run_started", "{}");
        live.Add("agent_text_delta", "{\"text\":\"a\"}");
        live.Add("agent_finish", "{}");
        live.Complete();

        Assert.Equal(["run_started", "agent_text_delta", "agent_finish"], await first);
        Assert.Equal(["run_started", "agent_text_delta", "agent_finish"], await second);
        Assert.Equal(["agent_finish"], await ReadAllAsync(live.ReadAsync(2, ct)));
    }

    private static async Task<List<string>> ReadAllAsync(IAsyncEnumerable<RunEventRecord> frames)
    {
        var names = new List<string>();
        await foreach (var frame in frames)
        {
            names.Add(frame.Event);
        }

        return names;
    }

    private static LiveRun NewRun() =>
        new(new RunRecord("run_1", "sbx_1", "user_1", "win_1", "ses_1", "echo", "echo", RunStatus.Running, DateTimeOffset.UnixEpoch), cancelOnDisconnect: true);
}
