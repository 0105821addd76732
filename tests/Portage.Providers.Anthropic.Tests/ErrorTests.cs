using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing.Fakes;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>Every failure reaches Core as a <see cref="ProviderException"/> with the provider's words, status and wait.</summary>
public sealed class ErrorTests
{
    private static readonly List<ChatMessage> s_hello = [new(ChatRole.User, "Hello, Claude")];

    // A guard against a hang, never a timing assertion: every case here fails fast or not at all.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Mid_stream_overloaded_error_after_the_first_delta_fails_with_the_providers_message()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("overloaded-mid-stream.sse"));
        var texts = new List<string>();

        var error = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var update in fake.Client.GetStreamingResponseAsync(s_hello))
            {
                texts.AddRange(update.Contents.OfType<TextContent>().Select(t => t.Text).Where(t => t.Length > 0));
            }
        }).WaitAsync(s_guard);

        Assert.Equal(["Hello"], texts);
        Assert.Equal("Overloaded (overloaded_error)", error.Message);
        Assert.Equal(("anthropic", (int?)null, true), (error.Provider, error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Rate_limit_429_carries_retry_after_and_is_sent_exactly_once()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
            new Dictionary<string, string> { ["retry-after"] = "7" }));

        var error = await FailureOf(fake);

        Assert.Equal("Number of request tokens has exceeded your per-minute rate limit (HTTP 429, rate_limit_error)", error.Message);
        Assert.Equal((429, TimeSpan.FromSeconds(7), true), (error.StatusCode, error.RetryAfter, error.Transient));
        Assert.Single(fake.Server.Requests);
    }

    [Fact]
    public async Task Retry_after_ms_wins_over_retry_after()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(429, "rate_limit_error", "Slow down",
            new Dictionary<string, string> { ["retry-after"] = "7", ["retry-after-ms"] = "1500" }));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), (await FailureOf(fake)).RetryAfter);
    }

    [Fact]
    public async Task Spend_limit_429_without_retry_after_is_not_transient()
    {
        await using var fake = await AnthropicFake.StartAsync(FakeResponse.Json(429, """
            {"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}
            """));

        var error = await FailureOf(fake);

        Assert.Equal((429, (TimeSpan?)null, false), (error.StatusCode, error.RetryAfter, error.Transient));
    }

    [Fact]
    public async Task Overloaded_529_is_transient()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(529, "overloaded_error", "Overloaded"));

        var error = await FailureOf(fake);

        Assert.Equal("Overloaded (HTTP 529, overloaded_error)", error.Message);
        Assert.Equal((529, true), (error.StatusCode, error.Transient));
        Assert.Single(fake.Server.Requests);
    }

    [Fact]
    public async Task Server_error_500_is_transient()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(500, "api_error", "Internal server error"));

        var error = await FailureOf(fake);

        Assert.Equal("Internal server error (HTTP 500, api_error)", error.Message);
        Assert.Equal((500, true), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Invalid_request_400_is_not_transient_and_carries_the_providers_message()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(400, "invalid_request_error", "messages: at least one message is required"));

        var error = await FailureOf(fake);

        Assert.Equal("messages: at least one message is required (HTTP 400, invalid_request_error)", error.Message);
        Assert.Equal((400, false), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Should_retry_header_overrides_the_status()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(500, "api_error", "Internal server error",
            new Dictionary<string, string> { ["x-should-retry"] = "false" }));

        Assert.False((await FailureOf(fake)).Transient);
    }

    [Fact]
    public async Task Error_body_that_is_not_json_still_reaches_the_message()
    {
        await using var fake = await AnthropicFake.StartAsync(new FakeResponse(502, "text/html", ["<html>Bad gateway</html>"]));

        var error = await FailureOf(fake);

        Assert.Equal("<html>Bad gateway</html> (HTTP 502)", error.Message);
        Assert.Equal((502, true), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Malformed_frame_fails_with_a_provider_exception_instead_of_hanging()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("malformed.sse"));

        var error = await FailureOf(fake);

        Assert.StartsWith("Anthropic sent a response that could not be read", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task Stream_that_ends_before_the_stop_reason_is_a_transient_failure_not_a_short_answer()
    {
        var events = Transcripts.SplitEvents(Transcripts.Read("anthropic/text.sse"));
        await using var fake = await AnthropicFake.StartAsync(new FakeResponse(200, "text/event-stream; charset=utf-8", events.Take(4).ToList()));

        var error = await FailureOf(fake);

        Assert.Equal("Anthropic's stream ended before the answer was complete (no stop_reason).", error.Message);
        Assert.Equal(((int?)null, true), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Non_streaming_calls_are_translated_too()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Error(529, "overloaded_error", "Overloaded",
            new Dictionary<string, string> { ["retry-after"] = "3" }));

        var error = await Assert.ThrowsAsync<ProviderException>(() => fake.Client.GetResponseAsync(s_hello)).WaitAsync(s_guard);

        Assert.Equal(("Overloaded (HTTP 529, overloaded_error)", 529, TimeSpan.FromSeconds(3)), (error.Message, error.StatusCode, error.RetryAfter));
    }

    [Fact]
    public async Task Unreachable_server_is_a_transient_failure_without_status()
    {
        var fake = await AnthropicFake.StartAsync();
        await fake.DisposeAsync();

        var error = await FailureOf(fake);

        Assert.StartsWith("The connection to Anthropic failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(((int?)null, true), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Cancellation_mid_stream_propagates_as_cancellation_and_closes_the_connection()
    {
        var transcript = Transcripts.Read("anthropic/text.sse");
        await using var fake = await AnthropicFake.StartAsync(new FakeResponse(200, "text/event-stream; charset=utf-8", Transcripts.SplitEvents(transcript).Take(4).ToList()) { HoldOpen = true });
        using var cancellation = new CancellationTokenSource();

        var thrown = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in fake.Client.GetStreamingResponseAsync(s_hello, cancellationToken: cancellation.Token))
            {
                if (update.Contents.OfType<TextContent>().Any(t => t.Text == "Hello"))
                {
                    await cancellation.CancelAsync();
                }
            }
        }).WaitAsync(s_guard);

        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
        await fake.Server.ClientDisconnected.WaitAsync(s_guard);
    }

    [Fact]
    public async Task Unconfigured_provider_refuses_calls_naming_the_key()
    {
        var provider = AnthropicProvider.Create(new AnthropicSettings(), TimeProvider.System);

        var error = Assert.Throws<ProviderException>(() => provider.Client.GetStreamingResponseAsync(s_hello));

        Assert.Contains("ANTHROPIC_API_KEY", error.Message, StringComparison.Ordinal);
        Assert.False(error.Transient);
    }

    private static async Task<ProviderException> FailureOf(AnthropicFake fake) =>
        await Assert.ThrowsAsync<ProviderException>(() => fake.StreamAsync(s_hello)).WaitAsync(s_guard);
}
