using Microsoft.Extensions.AI;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Sessions;

namespace Portage.Core.Tests.Sessions;

public sealed class ContextBudgetTests
{
    private static readonly ProviderDefinition s_provider = new()
    {
        Name = "echo",
        Client = new EchoChatClient("Echo", TimeSpan.Zero, TimeProvider.System),
        DefaultModel = "echo-1",
        ContextBudgetTokens = 500,
    };

    private static readonly ModelLimit s_limit = new() { ContextTokens = 1_000, MaxOutputTokens = 200 };

    [Fact]
    public void Messages_get_the_context_less_the_answer_system_prompt_tools_and_prefetch()
    {
        var tool = AIFunctionFactory.Create((string query) => query, "lookup", "Looks a thing up.");
        var budget = ContextBudget.Compute(s_provider, "echo-1", s_limit, maxTokens: null, new string('s', 40), [tool]).WithPrefetch(new string('p', 80));

        var toolTokens = TokenEstimator.Estimate("lookup" + "Looks a thing up." + tool.JsonSchema.GetRawText());
        Assert.Equal((200, 10, toolTokens, 20), (budget.OutputTokens, budget.SystemTokens, budget.ToolTokens, budget.PrefetchTokens));
        Assert.Equal(1_000 - 200 - 10 - toolTokens - 20, budget.MessageTokens);
    }

    [Fact]
    public void The_runs_max_tokens_is_kept_for_the_answer_capped_by_the_models_output_limit()
    {
        Assert.Equal(50, ContextBudget.Compute(s_provider, "echo-1", s_limit, 50, "", null).OutputTokens);
        Assert.Equal(200, ContextBudget.Compute(s_provider, "echo-1", s_limit, 5_000, "", null).OutputTokens);
    }

    [Fact]
    public void Earlier_turns_get_what_the_new_messages_leave_up_to_the_providers_cap()
    {
        var budget = ContextBudget.Compute(s_provider, "echo-1", s_limit, null, "", null);

        Assert.Equal(500, budget.HistoryTokens(100));
        Assert.Equal(200, budget.HistoryTokens(600));
        Assert.Equal(0, budget.HistoryTokens(900));
    }

    [Fact]
    public void A_model_the_table_does_not_list_takes_its_providers_budget_as_context_and_keeps_back_only_max_tokens()
    {
        var limits = new ModelLimits();
        limits.Providers["echo"] = new(StringComparer.OrdinalIgnoreCase) { ["echo-1"] = s_limit };

        Assert.Equal(s_limit, limits.For(s_provider, "ECHO-1"));
        var unlisted = limits.For(s_provider, "echo-2");
        Assert.Equal((500, 0, false), (unlisted.ContextTokens, unlisted.MaxOutputTokens, unlisted.Listed));
        Assert.Equal(0, ContextBudget.Compute(s_provider, "echo-2", unlisted, null, "", null).OutputTokens);
        Assert.Equal(30, ContextBudget.Compute(s_provider, "echo-2", unlisted, 30, "", null).OutputTokens);
    }

    [Fact]
    public void A_message_that_cannot_fit_alone_is_message_too_large_naming_the_model_and_its_limits()
    {
        var budget = ContextBudget.Compute(s_provider, "echo-1", s_limit, null, "", null);
        budget.EnsureFits([new string('x', 800 * 4)]);

        var refused = Assert.Throws<PortageException>(() => budget.EnsureFits([new string('x', 800 * 4 + 1)]));

        Assert.Equal((ErrorKind.BadRequest, "message_too_large"), (refused.Kind, refused.ErrorType));
        Assert.Contains("echo model echo-1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("a context of 1,000 tokens", refused.Message, StringComparison.Ordinal);
        Assert.Contains("200 are kept for the answer", refused.Message, StringComparison.Ordinal);
        Assert.Contains("about 801 tokens", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_table_validator_names_the_key_of_a_bad_entry()
    {
        var limits = new ModelLimits();
        limits.Providers["openai"] = new()
        {
            ["gpt-4o"] = new ModelLimit { ContextTokens = 128_000, MaxOutputTokens = 16_384 },
            ["typo"] = new ModelLimit { ContextTokens = 0, MaxOutputTokens = 10 },
            ["upside-down"] = new ModelLimit { ContextTokens = 1_000, MaxOutputTokens = 1_000 },
        };

        var result = new ModelLimitsValidator().Validate(null, limits);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Models:Providers:openai:typo:ContextTokens", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Models:Providers:openai:upside-down:MaxOutputTokens", StringComparison.Ordinal));
        Assert.Equal(2, result.Failures!.Count());
    }
}
