using Portage.Server.Tests.CrossProvider;
using Portage.Testing.Fakes.Models;

namespace Portage.Server.Tests.Compaction;

/// <summary>
/// A summary written for a run is part of what the run cost: the compacting run's agent_finish usage (and so the usage
/// endpoints and spending) counts the summariser's tokens beside its own answer's, priced for the summariser's model.
/// </summary>
public sealed class SummaryUsageTests
{
    [Fact]
    public async Task The_run_that_compacts_reports_its_own_tokens_plus_the_summarisers_and_their_cost()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        var model = new OpenAIChatModel { Limits = new FakeContextLimits { DefaultContextTokens = 6_000 } };
        fakes.OpenAI.Responder = model.Answer;
        using var app = fakes.App(
            ("Models:Providers:openai:gpt-4o-mini:ContextTokens", "6000"),
            ("Models:Providers:openai:gpt-4o-mini:MaxOutputTokens", "1000"));

        for (var turn = 0; turn < 30; turn++)
        {
            var run = await app.RunAsync(Runs.Body($"turn {turn}: " + new string('n', 3_000), "u-payer", "openai"));
            Assert.True(run.Finished, run.Terminal.Json.ToString());
            if (run.Frames.All(f => f.Event != "context_compacted"))
            {
                continue;
            }

            // This run made two calls: the summary, then its answer; both are in its usage.
            var inputs = model.Limits.Inputs;
            var (summary, answer) = (inputs[^2], inputs[^1]);
            Assert.True(summary.MaxTokens == 1024, $"the summary call asks for Compaction:SummaryMaxTokens, not {summary.MaxTokens}");
            var usage = run.Terminal.Json.GetProperty("usage");
            Assert.Equal(summary.InputTokens + answer.InputTokens, usage.GetProperty("input_tokens").GetInt64());
            var alone = await app.RunAsync(Runs.Body("short", "u-other", "openai"));
            var oneCall = alone.Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64();
            Assert.True(usage.GetProperty("cost_microcents").GetInt64() > oneCall);
            return;
        }

        Assert.Fail("30 turns of 750 tokens never compacted a 6,000-token context");
    }
}
