using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>Every Gemini failure becomes a <see cref="ProviderException"/> (provider-protocols.md §3.5); cancellation does not.</summary>
public sealed class GeminiErrorTests
{
    private static readonly ChatMessage[] s_hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task Rate_limit_takes_the_wait_from_RetryInfo_in_the_body_and_is_sent_once()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(429, Transcripts.Read("google/error-429.json")));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal(("google", 429, TimeSpan.FromSeconds(42), true), (error.Provider, error.StatusCode, error.RetryAfter, error.Transient));
        Assert.StartsWith("You exceeded your current quota", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(HTTP 429, RESOURCE_EXHAUSTED)", error.Message, StringComparison.Ordinal);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task Exhausted_daily_quota_is_not_worth_retrying()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(429, """
            {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED", "details": [
              {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}}
            """));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal((429, false), (error.StatusCode, error.Transient));
    }

    [Fact]
    public async Task Overloaded_model_is_transient_and_honours_a_retry_after_header()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(503, """{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}""",
            new Dictionary<string, string> { ["retry-after"] = "7" }));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal((503, true, TimeSpan.FromSeconds(7)), (error.StatusCode, error.Transient, error.RetryAfter));
        Assert.Equal("The model is overloaded. Please try again later. (HTTP 503, UNAVAILABLE)", error.Message);
    }

    [Fact]
    public async Task Invalid_argument_is_not_transient()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(400, """
            {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
              "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}}
            """));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal((400, false, (TimeSpan?)null), (error.StatusCode, error.Transient, error.RetryAfter));
        Assert.Equal("API key not valid. Please pass a valid API key. (HTTP 400, INVALID_ARGUMENT)", error.Message);
    }

    [Fact]
    public async Task A_non_json_error_body_still_names_the_status()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(502, "text/html", ["<html>Bad Gateway</html>"]));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal((502, true), (error.StatusCode, error.Transient));
        Assert.Contains("<html>Bad Gateway</html>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_frame_mid_stream_fails_after_the_text_before_it()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(GoogleKit.Sse(
            """{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0}]}""",
            """{"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}""")));
        var seen = new List<ChatResponseUpdate>();

        var error = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var update in GoogleKit.Gemini(fake).GetStreamingResponseAsync(s_hello))
            {
                seen.Add(update);
            }
        });

        Assert.Equal("Hel", Assert.Single(seen.All<TextContent>()).Text);
        Assert.Equal((500, true), (error.StatusCode, error.Transient));
        Assert.Equal("Internal error encountered. (mid-stream, 500, INTERNAL)", error.Message);
    }

    [Fact]
    public async Task A_malformed_frame_is_a_provider_error()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse("data: {\"candidates\": [{\"content\": \n\n"));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Null(error.StatusCode);
        Assert.StartsWith("Gemini sent a malformed stream frame", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_that_ends_without_a_finish_reason_was_cut_and_is_an_error()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(GoogleKit.Sse("""{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0}]}""")));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.True(error.Transient);
        Assert.Contains("no finishReason", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_server_is_a_provider_error_without_status()
    {
        var fake = await FakeProviderServer.StartAsync();
        await fake.DisposeAsync();

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Gemini(fake).CollectAsync(s_hello));

        Assert.Equal(((int?)null, true), (error.StatusCode, error.Transient));
        Assert.StartsWith("Could not reach Gemini", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_propagates_untranslated_and_closes_the_connection()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(200, "text/event-stream",
            [GoogleKit.Sse("""{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0}]}""")]) { HoldOpen = true });
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in GoogleKit.Gemini(fake).GetStreamingResponseAsync(s_hello, cancellationToken: cancel.Token))
            {
                // The body is still open: the cancel must reach the read that waits for the next frame.
                await cancel.CancelAsync();
            }
        });

        await fake.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("42s", 42_000)]
    [InlineData("57.238747106s", 57_238.747106)]
    [InlineData("0s", 0)]
    public void Google_durations_parse_with_fractions(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), GoogleErrors.ParseDuration(text));

    [Theory]
    [InlineData("42")]
    [InlineData("soon")]
    [InlineData("")]
    public void Other_strings_are_not_durations(string text) => Assert.Null(GoogleErrors.ParseDuration(text));
}
