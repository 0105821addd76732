using Microsoft.Extensions.AI;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>
/// OpenAI caches prompt prefixes implicitly: a continued session's request must start with the previous request byte
/// for byte (system prompt, replayed turns, and the tool specs in one order), or every turn pays for its whole history.
/// </summary>
public sealed class PrefixStabilityTests
{
    [Fact]
    public async Task Each_continued_turn_resends_the_previous_request_unchanged_as_its_prefix_with_the_tools_in_one_order()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        }

        AIFunction[] offered = [AIFunctionFactory.Create(() => "z", "zeta_lookup", "Looks up z."), AIFunctionFactory.Create(() => "a", "alpha_lookup", "Looks up a.")];
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = fake.BaseUrl + "/v1" }, tools: offered);

        await SseFrames.RunSessionAsync(app.Client, app.RunPath(), new[] { "hello", "i'm good. how are you?", "tell me more" }.Select(message => new Dictionary<string, object?>
        {
            ["provider"] = "openai",
            ["system_prompt"] = "You are a helpful agent.",
            ["messages"] = new[] { new { role = "user", content = message } },
            ["end_user_id"] = "u-123",
        }));

        var tools = fake.Requests[0].RawMember("tools")!;
        Assert.True(tools.IndexOf("alpha_lookup", StringComparison.Ordinal) is >= 0 and var alpha && alpha < tools.IndexOf("zeta_lookup", StringComparison.Ordinal));
        Assert.Null(RecordedRequestJson.PrefixDifference(fake.Requests[0], fake.Requests[1], "messages", "tools"));
        Assert.Null(RecordedRequestJson.PrefixDifference(fake.Requests[1], fake.Requests[2], "messages", "tools"));
        Assert.Equal([2, 4, 6], fake.Requests.Select(r => r.RawElements("messages").Count));
    }
}
