using Microsoft.Extensions.AI;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>
/// Gemini caches prompt prefixes implicitly: a continued session's request must start with the previous request byte
/// for byte (system instruction, tool specs in one order, replayed turns), or every turn pays for its whole history.
/// </summary>
public sealed class PrefixStabilityTests
{
    [Fact]
    public async Task Each_continued_turn_resends_the_previous_request_unchanged_as_its_prefix_with_the_tools_in_one_order()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        }

        AIFunction[] offered = [AIFunctionFactory.Create(() => "z", "zeta_lookup", "Looks up z."), AIFunctionFactory.Create(() => "a", "alpha_lookup", "Looks up a.")];
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:Google:ApiKey"] = GoogleKit.ApiKey,
            ["Providers:Google:BaseUrl"] = fake.BaseUrl,
        }, tools: offered);

        await SseFrames.RunSessionAsync(app.Client, app.RunPath(), new[] { "Hi", "What is the weather in Paris?", "And tomorrow?" }.Select(message => new Dictionary<string, object?>
        {
            ["provider"] = "google",
            ["system_prompt"] = "You are a helpful agent.",
            ["messages"] = new[] { new { role = "user", content = message } },
            ["end_user_id"] = "u-123",
        }));

        var tools = fake.Requests[0].RawMember("tools")!;
        Assert.True(tools.IndexOf("alpha_lookup", StringComparison.Ordinal) is >= 0 and var alpha && alpha < tools.IndexOf("zeta_lookup", StringComparison.Ordinal));
        Assert.Null(RecordedRequestJson.PrefixDifference(fake.Requests[0], fake.Requests[1], "contents", "systemInstruction", "tools"));
        Assert.Null(RecordedRequestJson.PrefixDifference(fake.Requests[1], fake.Requests[2], "contents", "systemInstruction", "tools"));
        Assert.Equal([1, 3, 5], fake.Requests.Select(r => r.RawElements("contents").Count));
    }
}
