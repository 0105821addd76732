using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing.Fakes.Models;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>
/// The Messages API model that the long-conversation tests rely on refuses what Anthropic refuses, through the real
/// client: a request whose input and max_tokens exceed the model's context. A test where it never refuses then means
/// the router never sent such a request.
/// </summary>
public sealed class FakeMessagesModelTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_request_over_the_models_context_is_refused_as_not_retryable_naming_both_counts()
    {
        var limits = new FakeContextLimits { ContextTokens = { ["claude-haiku-4-5"] = 2_000 } };
        await using var fake = await AnthropicFake.StartModelAsync(limits: limits);
        var options = new ChatOptions { ModelId = "claude-haiku-4-5", MaxOutputTokens = 500 };

        var error = await Assert.ThrowsAsync<ProviderException>(
            () => fake.StreamAsync([new ChatMessage(ChatRole.User, new string('x', 7_000))], options)).WaitAsync(s_guard);

        Assert.StartsWith("input length and `max_tokens` exceed context limit: 1750 + 500 > 2000", error.Message, StringComparison.Ordinal);
        Assert.Equal((400, false), (error.StatusCode, error.Transient));
        Assert.Single(limits.Refusals);
    }

    [Fact]
    public async Task Within_its_context_it_answers_streamed_or_not_and_calls_get_weather_when_asked_about_the_weather()
    {
        await using var fake = await AnthropicFake.StartModelAsync(limits: new FakeContextLimits { DefaultContextTokens = 2_000 });
        var weather = AIFunctionFactory.Create((string location) => $"sunny in {location}", "get_weather");
        var options = new ChatOptions { ModelId = "claude-haiku-4-5", MaxOutputTokens = 500, Tools = [weather] };

        var plain = await fake.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Remember PELICAN.")], options).WaitAsync(s_guard);
        var call = (await fake.StreamAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")], options))
            .SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();

        Assert.Equal("claude-haiku-4-5 read 1 messages; the first one said: Remember PELICAN.", plain.Text);
        Assert.Equal(("get_weather", "Paris"), (call.Name, call.Arguments?["location"]?.ToString()));
    }
}
