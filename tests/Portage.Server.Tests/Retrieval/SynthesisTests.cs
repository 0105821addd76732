using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>Issue 4, scope 6: with a provider configured for synthesis, it writes the answer from the selected chunks.</summary>
public sealed class SynthesisTests
{
    [Fact]
    public async Task A_configured_provider_writes_the_answer_from_the_numbered_sources()
    {
        var writer = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.Text(ct, "Windows last 10 to 120 seconds [1].") };
        using var app = new PortageApp([Providers.Scripted(writer)], new Dictionary<string, string?> { ["Retrieval:Synthesis"] = "scripted" });
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var search = await app.QueryAsync("search", new { query = "How long does a rate limit window last?" });

        Assert.Equal("Windows last 10 to 120 seconds [1].", search.GetProperty("answer").GetString());
        Assert.Equal("scripted/scripted-model", search.GetProperty("synthesis").GetString());
        var prompt = writer.Calls.Single().Messages;
        Assert.Equal(ChatRole.System, prompt[0].Role);
        Assert.StartsWith("Sources:\n[1] rate-limits-", prompt[1].Text, StringComparison.Ordinal);
        Assert.EndsWith("Question: How long does a rate limit window last?", prompt[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_synthesis_provider_falls_back_to_extractive_with_a_warning()
    {
        var writer = new ScriptedChatClient { Script = (_, _, _) => throw new InvalidOperationException("model unavailable") };
        using var app = new PortageApp([Providers.Scripted(writer)], new Dictionary<string, string?> { ["Retrieval:Synthesis"] = "scripted" });
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var search = await app.QueryAsync("search", new { query = "How long does a rate limit window last?" });

        Assert.Equal("extractive", search.GetProperty("synthesis").GetString());
        Assert.Contains("model unavailable", search.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }
}
