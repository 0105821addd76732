using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Portage.Core.Providers;

namespace Portage.Core.Tests.Providers;

/// <summary>
/// The retry decorator on a fake clock: a provider call is retried only before anything reached the caller, only for
/// transient failures, and only after the policy's wait (the second call happens when the clock gets there).
/// </summary>
public sealed class RetryingChatClientTests
{
    private static readonly ProviderRetryOptions Settings = new() { ProviderRetries = 2, RetryBaseDelayMilliseconds = 500, MaxRetryDelaySeconds = 30 };

    [Fact]
    public async Task A_transient_failure_before_the_first_update_is_retried_after_the_backoff()
    {
        var provider = new FakeChatClient(call => call == 1 ? FakeChatClient.Fail(Busy()) : FakeChatClient.Stream(Text("ok")));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(1, provider.Calls);
        Assert.False(moved.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await moved);
        Assert.Equal("ok", updates.Current.Text);
        Assert.Equal(2, provider.Calls);
        Assert.False(await updates.MoveNextAsync());
    }

    [Fact]
    public async Task The_providers_retry_after_is_the_wait()
    {
        var rateLimited = new ProviderException("fake", "Rate limited (HTTP 429)", 429, TimeSpan.FromSeconds(3));
        var provider = new FakeChatClient(call => call == 1 ? FakeChatClient.Fail(rateLimited) : FakeChatClient.Stream(Text("ok")));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.Equal(1, provider.Calls);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await moved);
        Assert.Equal(2, provider.Calls);
    }

    [Fact]
    public async Task It_gives_up_after_the_configured_retries_with_the_last_failure()
    {
        var provider = new FakeChatClient(_ => FakeChatClient.Fail(Busy()));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        time.Advance(TimeSpan.FromMilliseconds(500));
        await time.TimerStarted();
        Assert.Equal(2, provider.Calls);
        time.Advance(TimeSpan.FromMilliseconds(1000));

        var failure = await Assert.ThrowsAsync<ProviderException>(() => moved);
        Assert.Equal("busy", failure.Message);
        Assert.Equal(3, provider.Calls);
    }

    [Fact]
    public async Task A_failure_after_an_update_reached_the_caller_is_not_retried()
    {
        var provider = new FakeChatClient(_ => FakeChatClient.Stream([Text("Hel")], Busy()));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("Hel", updates.Current.Text);
        await Assert.ThrowsAsync<ProviderException>(() => updates.MoveNextAsync().AsTask());
        Assert.Equal(1, provider.Calls);
        Assert.Equal(0, time.Timers);
    }

    [Fact]
    public async Task A_refusal_is_not_retried()
    {
        var provider = new FakeChatClient(_ => FakeChatClient.Fail(new ProviderException("fake", "invalid (HTTP 400)", 400)));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        await Assert.ThrowsAsync<ProviderException>(() => updates.MoveNextAsync().AsTask());
        Assert.Equal(1, provider.Calls);
        Assert.Equal(0, time.Timers);
    }

    [Fact]
    public async Task Cancelling_during_the_wait_stops_without_another_call()
    {
        var provider = new FakeChatClient(call => call == 1 ? FakeChatClient.Fail(Busy()) : FakeChatClient.Stream(Text("ok")));
        var time = new WatchedTime();
        using var cancel = new CancellationTokenSource();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, cancel.Token).GetAsyncEnumerator(cancel.Token);

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => moved);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, provider.Calls);
    }

    [Fact]
    public async Task Updates_without_content_are_held_back_so_a_failure_after_them_is_retried_and_they_are_dropped()
    {
        var start = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = "failed_attempt" };
        var provider = new FakeChatClient(call => call == 1 ? FakeChatClient.Stream([start], Busy()) : FakeChatClient.Stream(Text("ok")));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], null, CancellationToken.None).GetAsyncEnumerator();

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.True(await moved);
        Assert.Equal("ok", updates.Current.Text);
        Assert.False(await updates.MoveNextAsync());
        Assert.Equal(2, provider.Calls);
    }

    [Fact]
    public async Task Held_back_updates_of_a_call_that_ends_well_still_reach_the_caller_in_order()
    {
        var usage = new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 3 })] };
        var provider = new FakeChatClient(_ => FakeChatClient.Stream(usage));
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in Retrying(provider, new WatchedTime()).GetStreamingResponseAsync([], null, CancellationToken.None))
        {
            updates.Add(update);
        }

        Assert.Same(usage, Assert.Single(updates));
    }

    [Fact]
    public async Task Each_attempt_tells_the_clients_below_its_retry_number_and_the_retry_decision()
    {
        var busy = Busy();
        var provider = new FakeChatClient(call => call == 1 ? FakeChatClient.Fail(busy) : FakeChatClient.Stream(Text("ok")));
        var time = new WatchedTime();
        await using var updates = Retrying(provider, time).GetStreamingResponseAsync([], new ChatOptions { ModelId = "m" }, CancellationToken.None).GetAsyncEnumerator();

        var moved = updates.MoveNextAsync().AsTask();
        await time.TimerStarted();
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await moved);

        var attempts = provider.Options.Select(ProviderAttempt.Of).ToList();
        Assert.Equal([0, 1], attempts.Select(a => a!.Retry));
        Assert.Equal(TimeSpan.FromMilliseconds(500), attempts[0]!.RetryDelay(busy));
        Assert.All(provider.Options, o => Assert.Equal("m", o!.ModelId));
    }

    private static RetryingChatClient Retrying(IChatClient provider, TimeProvider time) =>
        new(provider, Settings, time, NullLogger.Instance, e => e, "run_1");

    private static ProviderException Busy() => new("fake", "busy", 503);

    private static ChatResponseUpdate Text(string text) => new(ChatRole.Assistant, text);
}
