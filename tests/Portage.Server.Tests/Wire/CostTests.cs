using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>Usage and cost on agent_finish come from the configured price table, and are stored with the run.</summary>
public sealed class CostTests
{
    [Fact]
    public async Task Priced_model_reports_its_cost_and_the_run_stores_the_same_usage()
    {
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient())], new Dictionary<string, string?>
        {
            ["Pricing:Providers:scripted:scripted-model:InputPerMillion"] = "3",
            ["Pricing:Providers:scripted:scripted-model:OutputPerMillion"] = "15",
        });
        var run = await app.RunAsync(Runs.Body("hi", provider: "scripted"));

        // ScriptedChatClient reports 10 input and 5 output tokens: 10×3 + 5×15 = 105 microcents.
        var usage = run.Terminal.Json.GetProperty("usage");
        Assert.Equal(105, usage.GetProperty("cost_microcents").GetInt64());
        Assert.Equal((30L, 75L), (usage.GetProperty("cost_breakdown_microcents").GetProperty("input").GetInt64(), usage.GetProperty("cost_breakdown_microcents").GetProperty("output").GetInt64()));
        Assert.False(usage.TryGetProperty("cost_unknown", out _));
        var stored = await app.Get<Portage.Core.Runs.IRunStore>().GetRunAsync(app.SandboxId, run.RunId, default);
        Assert.Contains("\"cost_microcents\":105", stored!.UsageJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unpriced_model_costs_zero_and_says_cost_unknown_while_echo_is_simply_free()
    {
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient())]);
        var unpriced = await app.RunAsync(Runs.Body("hi", provider: "scripted"));
        Assert.True(unpriced.Terminal.Json.GetProperty("usage").GetProperty("cost_unknown").GetBoolean());
        Assert.Equal(0, unpriced.Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64());

        var echo = await app.RunAsync(Runs.Body("hi"));
        Assert.False(echo.Terminal.Json.GetProperty("usage").TryGetProperty("cost_unknown", out _));
    }
}
