using Portage.Client.Tests.Fakes;
using Portage.Protocol.Runs;

namespace Portage.Client.Tests;

/// <summary>Closing the stream is how the server learns the client went away (copass-compat §3.7, §11.2).</summary>
public sealed class RunCancellationTests
{
    private const string FirstDelta = "event: agent_text_delta\ndata: {\"text\":\"first\"}\n\n";

    [Fact]
    public async Task Cancellation_disposes_the_response_stream()
    {
        var stream = new HangingStream(FirstDelta, honorToken: true);
        using var router = TestRouter.Create(FakeHandler.Sse(stream));
        using var cts = new CancellationTokenSource();

        var enumerator = router.RunAsync(TestRouter.Turn(), cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        Assert.IsType<AgentTextDelta>(enumerator.Current);

        var next = enumerator.MoveNextAsync().AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        Assert.True(stream.Disposed);
        await enumerator.DisposeAsync();
    }

    [Fact]
    public async Task Cancellation_aborts_a_read_that_ignores_the_token()
    {
        var stream = new HangingStream(FirstDelta, honorToken: false);
        using var router = TestRouter.Create(FakeHandler.Sse(stream));
        using var cts = new CancellationTokenSource();

        var enumerator = router.RunAsync(TestRouter.Turn(), cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());

        var next = enumerator.MoveNextAsync().AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stream.Disposed);
        await enumerator.DisposeAsync();
    }

    [Fact]
    public async Task WithCancellation_token_reaches_the_stream()
    {
        var stream = new HangingStream(FirstDelta, honorToken: true);
        using var router = TestRouter.Create(FakeHandler.Sse(stream));
        using var cts = new CancellationTokenSource();

        var seen = new List<AgentEvent>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in router.RunAsync(TestRouter.Turn()).WithCancellation(cts.Token))
            {
                seen.Add(e);
                await cts.CancelAsync();
            }
        });

        Assert.Single(seen);
        Assert.True(stream.Disposed);
    }

    [Fact]
    public async Task Leaving_the_loop_early_disposes_the_response_stream()
    {
        var stream = new HangingStream(FirstDelta, honorToken: true);
        using var router = TestRouter.Create(FakeHandler.Sse(stream));

        await foreach (var e in router.RunAsync(TestRouter.Turn()))
        {
            Assert.IsType<AgentTextDelta>(e);
            break;
        }

        Assert.True(stream.Disposed);
    }
}
