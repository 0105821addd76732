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

        AIFunction[] tools = [AIFunctionFactory.Create(() => "z", "zeta_lookup", "Looks up z."), AIFunctionFactory.Create(() => "a", "alpha_lookup", "Looks up a.")];
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:Google:ApiKey"] = GoogleKit.ApiKey,
            ["Providers:Google:BaseUrl"] = fake.BaseUrl,
        }, tools: tools);

        string? session = null;
        foreach (var message in new[] { "Hi", "What is the weather in Paris?", "And tomorrow?" })
        {
            var frames = await SseFrames.RunAsync(app.Client, app.RunPath(), new Dictionary<string, object?>
            {
                ["provider"] = "google",
                ["system_prompt"] = "You are a helpful agent.",
                ["messages"] = new[] { new { role = "user", content = message } },
                ["end_user_id"] = "u-123",
                ["session_id"] = session,
            });
            session = frames.Terminal().Json.GetProperty("session_id").GetString();
        }

        var firstTools = fake.Requests[0].RawMember("tools")!;
        Assert.True(firstTools.IndexOf("alpha_lookup", StringComparison.Ordinal) is >= 0 and var alpha && alpha < firstTools.IndexOf("zeta_lookup", StringComparison.Ordinal));
        for (var turn = 1; turn < 3; turn++)
        {
            var earlier = fake.Requests[turn - 1].RawElements("contents");
            var later = fake.Requests[turn].RawElements("contents");
            Assert.Equal(fake.Requests[turn - 1].RawMember("systemInstruction"), fake.Requests[turn].RawMember("systemInstruction"));
            Assert.Equal(fake.Requests[turn - 1].RawMember("tools"), fake.Requests[turn].RawMember("tools"));
            Assert.Equal(earlier, later.Take(earlier.Count));
            Assert.Equal(earlier.Count + 2, later.Count);
        }
    }
}
