using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing;

namespace Portage.Server.Tests.Failures;

/// <summary>
/// Issue 3, scope 7: transient provider failures before the first token are retried (honouring the provider's wait);
/// after the first token, or for a refusal, the run ends with one <c>agent_error</c> carrying the provider's message.
/// </summary>
public sealed class ProviderRetryTests
{
    private static readonly Dictionary<string, string?> FastRetries = new() { ["Runs:RetryBaseDelayMilliseconds"] = "1" };

    [Fact]
    public async Task Rate_limited_twice_then_answering_succeeds_with_no_trace_of_the_failures()
    {
        var provider = FailingFirst(2, _ => new ProviderException("scripted", "Rate limited (HTTP 429)", 429, TimeSpan.FromMilliseconds(5)));
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Equal(3, provider.Calls.Count);
        Assert.Equal(["run_started", "agent_text_delta", "agent_finish"], run.Frames.Select(f => f.Event));
        Assert.Equal("ok", run.Text);
    }

    [Fact]
    public async Task Overloaded_on_every_attempt_gives_up_after_two_retries_with_the_providers_message()
    {
        var provider = FailingFirst(int.MaxValue, _ => new ProviderException("scripted", "Overloaded (HTTP 529, overloaded_error)", 529));
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Equal(3, provider.Calls.Count);
        Assert.Equal("agent_error", run.Terminal.Event);
        Assert.Equal("Overloaded (HTTP 529, overloaded_error)", run.Terminal.Json.GetProperty("message").GetString());
        Assert.Equal("provider_error", run.Terminal.Json.GetProperty("type").GetString());
        Assert.Equal("failed", (await app.TurnsAsync(run.WindowId))[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_refused_request_is_not_retried()
    {
        var provider = FailingFirst(int.MaxValue, _ => new ProviderException("scripted", "max_tokens: must be at most 64000 (HTTP 400, invalid_request_error)", 400));
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Single(provider.Calls);
        Assert.Equal("max_tokens: must be at most 64000 (HTTP 400, invalid_request_error)", run.Terminal.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_lost_connection_before_any_token_is_retried()
    {
        var provider = FailingFirst(1, _ => new HttpRequestException("Connection refused (127.0.0.1:1)"));
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Equal(2, provider.Calls.Count);
        Assert.True(run.Finished);
    }

    [Fact]
    public async Task A_failure_after_the_first_token_is_not_retried_and_keeps_the_partial_text_as_failed()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => TextThenFail(ct) };
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Single(provider.Calls);
        Assert.Equal(["run_started", "agent_text_delta", "agent_error"], run.Frames.Select(f => f.Event));
        Assert.Equal("Overloaded", run.Terminal.Json.GetProperty("message").GetString());
        var turn = (await app.TurnsAsync(run.WindowId))[1];
        Assert.Equal(("Hel", "failed"), (turn.GetProperty("text").GetString(), turn.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Updates_without_content_before_a_failure_do_not_prevent_the_retry()
    {
        var calls = 0;
        var provider = new ScriptedChatClient();
        provider.Script = (_, _, ct) => Interlocked.Increment(ref calls) == 1 ? StartThenFail(ct) : ScriptedChatClient.Text(ct, "fine");
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Equal(2, provider.Calls.Count);
        Assert.Equal("fine", run.Text);
    }

    [Fact]
    public async Task A_provider_asking_to_wait_longer_than_the_limit_is_not_retried()
    {
        var provider = FailingFirst(1, _ => new ProviderException("scripted", "Rate limited (HTTP 429)", 429, TimeSpan.FromMinutes(5)));
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Single(provider.Calls);
        Assert.Equal("agent_error", run.Terminal.Event);
    }

    [Fact]
    public async Task Retries_can_be_switched_off()
    {
        var provider = FailingFirst(1, _ => new ProviderException("scripted", "busy", 503));
        using var app = new PortageApp([Providers.Scripted(provider)], new Dictionary<string, string?> { ["Runs:ProviderRetries"] = "0" });

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Single(provider.Calls);
        Assert.Equal("busy", run.Terminal.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_client_that_fails_before_returning_its_stream_is_retried_then_reported_as_failed()
    {
        var provider = new ScriptedChatClient { Script = (_, _, _) => throw new ProviderException("scripted", "No route to the provider (HTTP 503)", 503) };
        using var app = new PortageApp([Providers.Scripted(provider)], FastRetries);

        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        Assert.Equal(3, provider.Calls.Count);
        Assert.Equal(("agent_error", "No route to the provider (HTTP 503)"), (run.Terminal.Event, run.Terminal.Json.GetProperty("message").GetString()));
        Assert.Equal("failed", (await app.TurnsAsync(run.WindowId))[1].GetProperty("status").GetString());
    }

    internal static ScriptedChatClient FailingFirst(int failures, Func<int, Exception> failure)
    {
        var count = 0;
        var provider = new ScriptedChatClient();
        provider.Script = (_, _, ct) =>
        {
            var attempt = Interlocked.Increment(ref count);
            return attempt <= failures ? Throw(failure(attempt)) : ScriptedChatClient.Text(ct, "ok");
        };
        return provider;
    }

#pragma warning disable CS1998 // an iterator that fails on its first step, as an SDK does when the HTTP call fails
    private static async IAsyncEnumerable<ChatResponseUpdate> Throw(Exception failure)
    {
        throw failure;
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    private static async IAsyncEnumerable<ChatResponseUpdate> TextThenFail([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Hel");
        throw new ProviderException("scripted", "Overloaded", null);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> StartThenFail([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = "msg_1" };
        throw new ProviderException("scripted", "Overloaded", null);
    }
}
