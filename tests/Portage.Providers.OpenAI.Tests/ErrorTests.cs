using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Portage.Core.Providers;
using Portage.Testing.Fakes;
using static Portage.Providers.OpenAI.Tests.OpenAITestClient;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>Every OpenAI failure reaches Core as a ProviderException with the provider's own words; SDK retries are off.</summary>
public sealed class ErrorTests
{
    private const string RateLimited =
        """{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-123 on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";

    private static async Task<ProviderException> FailAsync(FakeProviderServer fake, TimeProvider? time = null)
    {
        var failure = await Assert.ThrowsAsync<ProviderException>(() => For(fake, time).CollectAsync([new(ChatRole.User, "hello")]).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("openai", failure.Provider);
        return failure;
    }

    [Fact]
    public async Task Rate_limit_429_with_retry_after_is_transient_with_the_wait_and_is_sent_exactly_once()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(429, RateLimited, new Dictionary<string, string> { ["retry-after"] = "7", ["x-request-id"] = "req_1" }));

        var failure = await FailAsync(fake);

        Assert.Equal((429, TimeSpan.FromSeconds(7), true), (failure.StatusCode, failure.RetryAfter, failure.Transient));
        Assert.Equal(
            "Rate limit reached for gpt-4o-mini in organization org-123 on requests per min (RPM): Limit 3, Used 3, Requested 1. (HTTP 429, rate_limit_exceeded)",
            failure.Message);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task Retry_after_ms_is_preferred_to_retry_after()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(429, RateLimited, new Dictionary<string, string> { ["retry-after"] = "2", ["retry-after-ms"] = "1500" }));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), (await FailAsync(fake)).RetryAfter);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_measured_from_the_injected_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(503, """{"error":{"message":"Overloaded","type":"server_error"}}""", new Dictionary<string, string> { ["retry-after"] = "Tue, 24 Nov 2026 10:00:30 GMT" }));

        Assert.Equal(TimeSpan.FromSeconds(30), (await FailAsync(fake, time)).RetryAfter);
    }

    [Fact]
    public async Task Insufficient_quota_429_is_not_transient()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(429,
            """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"""));

        var failure = await FailAsync(fake);

        Assert.Equal((429, false), (failure.StatusCode, failure.Transient));
        Assert.Equal("You exceeded your current quota, please check your plan and billing details. (HTTP 429, insufficient_quota)", failure.Message);
        Assert.Single(fake.Requests);
    }

    [Theory]
    [InlineData(500, """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""", "The server had an error while processing your request. Sorry about that! (HTTP 500, server_error)")]
    [InlineData(503, """{"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}}""", "The engine is currently overloaded, please try again later. (HTTP 503, server_error)")]
    public async Task Server_errors_are_transient_and_sent_once(int status, string body, string message)
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(status, body));

        var failure = await FailAsync(fake);

        Assert.Equal((status, true, message), (failure.StatusCode, failure.Transient, failure.Message));
        Assert.Single(fake.Requests);
    }

    [Theory]
    [InlineData(401, """{"error":{"message":"Incorrect API key provided: sk-test.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", "Incorrect API key provided: sk-test. (HTTP 401, invalid_api_key)")]
    [InlineData(404, """{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", "The model `gpt-9` does not exist or you do not have access to it. (HTTP 404, model_not_found)")]
    [InlineData(400, """{"object":"error","message":"This model's maximum context length is 8192 tokens.","type":"BadRequestError","param":null,"code":400}""", "This model's maximum context length is 8192 tokens. (HTTP 400, 400)")]
    [InlineData(500, """{"error":{"code":500,"message":"failed to parse tools","type":"server_error"}}""", "failed to parse tools (HTTP 500, 500)")]
    [InlineData(404, "404 page not found", "404 page not found (HTTP 404)")]
    public async Task Client_errors_are_permanent_and_local_server_error_shapes_keep_their_message(int status, string body, string message)
    {
        // Rows 3 to 5: vLLM's top-level error, llama.cpp's numeric code, a plain-text body (Ollama without /v1).
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(status, body.StartsWith('{') ? "application/json" : "text/plain", [body]));

        var failure = await FailAsync(fake);

        Assert.Equal((status, message), (failure.StatusCode, failure.Message));
        Assert.Equal(status >= 500, failure.Transient);
    }

    [Fact]
    public async Task Error_chunk_in_the_middle_of_a_stream_fails_with_the_providers_message_after_the_text_so_far()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Stream(
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}""",
            """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""")));

        var received = new List<string>();
        var failure = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var update in For(fake).GetStreamingResponseAsync([new(ChatRole.User, "hello")], Options()))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["Hel"], received);
        Assert.Equal(("The server had an error while processing your request. Sorry about that! (server_error)", null, true),
            (failure.Message, failure.StatusCode, failure.Transient));
    }

    [Fact]
    public async Task Malformed_chunk_fails_the_stream_instead_of_hanging_or_being_skipped()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Stream(
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo""")));

        var failure = await FailAsync(fake);

        Assert.StartsWith("The openai endpoint sent a malformed stream event:", failure.Message, StringComparison.Ordinal);
        Assert.Equal((null, false), (failure.StatusCode, failure.Transient));
    }

    [Fact]
    public async Task Refused_connection_is_a_transient_failure_without_status()
    {
        int port;
        await using (var gone = await FakeProviderServer.StartAsync())
        {
            port = new Uri(gone.BaseUrl).Port;
        }

        var client = Provider(new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = $"http://127.0.0.1:{port}/v1" }).Client;
        var failure = await Assert.ThrowsAsync<ProviderException>(() => client.CollectAsync([new(ChatRole.User, "hello")]));

        Assert.Equal((null, true), (failure.StatusCode, failure.Transient));
        Assert.StartsWith("Could not reach the openai endpoint:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_passes_through_untranslated_and_closes_the_connection()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(200, "text/event-stream",
            ["""data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""" + "\n\n"])
        { HoldOpen = true });
        using var cts = new CancellationTokenSource();

        var thrown = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in For(fake).GetStreamingResponseAsync([new(ChatRole.User, "hello")], Options(), cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
        await fake.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
