using System.Globalization;
using Microsoft.Extensions.AI;
using Portage.Core.Errors;
using Portage.Core.Providers;

namespace Portage.Core.Sessions;

/// <summary>
/// How many input tokens one run may send its model, computed once per run with <see cref="TokenEstimator"/>: the
/// model's context, less the output kept back for the answer, the system prompt, the tool definitions and the
/// prefetch block. What is left is for the conversation's messages; the new user messages always go, earlier turns
/// only as far as <see cref="HistoryTokens"/> reaches (the provider's <c>ContextBudgetTokens</c> caps that too).
/// </summary>
public sealed record ContextBudget
{
    /// <summary>The run's provider.</summary>
    public required string Provider { get; init; }

    /// <summary>The run's model.</summary>
    public required string Model { get; init; }

    /// <summary>The model's limits (listed in the table, or its provider's stand-in).</summary>
    public required ModelLimit Limit { get; init; }

    /// <summary>Kept back for the answer: the run's <c>max_tokens</c> capped by the model's output limit, else that limit.</summary>
    public int OutputTokens { get; init; }

    /// <summary>The system prompt.</summary>
    public int SystemTokens { get; init; }

    /// <summary>The definitions of the tools offered to the run.</summary>
    public int ToolTokens { get; init; }

    /// <summary>The prefetch block of a new session's first question (0 when there is none).</summary>
    public int PrefetchTokens { get; init; }

    /// <summary>The provider's cap on earlier turns (<see cref="ProviderDefinition.ContextBudgetTokens"/>).</summary>
    public int HistoryCapTokens { get; init; } = int.MaxValue;

    /// <summary>What the system prompt, tools and prefetch take before any message.</summary>
    public int FixedTokens => SystemTokens + ToolTokens + PrefetchTokens;

    /// <summary>What the conversation's messages (earlier turns and the new messages) may take.</summary>
    public int MessageTokens => Limit.ContextTokens - OutputTokens - FixedTokens;

    /// <summary>The budget of a run, before any prefetch (<see cref="WithPrefetch"/> adds it).</summary>
    public static ContextBudget Compute(ProviderDefinition provider, string model, ModelLimit limit, int? maxTokens, string? systemPrompt, IEnumerable<AITool>? tools)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(limit);
        var output = maxTokens is { } asked ? (limit.MaxOutputTokens > 0 ? Math.Min(asked, limit.MaxOutputTokens) : asked) : limit.MaxOutputTokens;
        return new ContextBudget
        {
            Provider = provider.Name,
            Model = model,
            Limit = limit,
            OutputTokens = output,
            SystemTokens = TokenEstimator.Estimate(systemPrompt),
            ToolTokens = TokenEstimator.Estimate(tools),
            HistoryCapTokens = provider.ContextBudgetTokens,
        };
    }

    /// <summary>This budget with a prefetch block sent before the new messages.</summary>
    public ContextBudget WithPrefetch(string? prefetch) => this with { PrefetchTokens = TokenEstimator.Estimate(prefetch) };

    /// <summary>True when new messages of <paramref name="newestTokens"/> fit at all.</summary>
    public bool Fits(int newestTokens) => newestTokens <= MessageTokens;

    /// <summary>How many tokens of earlier turns may go with new messages of <paramref name="newestTokens"/>.</summary>
    public int HistoryTokens(int newestTokens) => Math.Max(0, Math.Min(MessageTokens - newestTokens, HistoryCapTokens));

    /// <summary>
    /// Refuses new messages that do not fit even with no earlier turn: 400 <c>message_too_large</c>, naming the model,
    /// its limits and what took the room, before anything is stored or streamed.
    /// </summary>
    public void EnsureFits(IReadOnlyList<string> userMessages)
    {
        ArgumentNullException.ThrowIfNull(userMessages);
        var newest = userMessages.Sum(TokenEstimator.Estimate);
        if (Fits(newest))
        {
            return;
        }

        var context = Limit.Listed
            ? $"a context of {N(Limit.ContextTokens)} tokens"
            : $"a context taken as {N(Limit.ContextTokens)} tokens (the model is not in the Models table; the provider's ContextBudgetTokens stands in)";
        throw PortageException.BadRequest("message_too_large",
            $"The message is too large for {Provider} model {Model}, which has {context}: {N(OutputTokens)} are kept for the answer, " +
            $"{N(SystemTokens)} go to the system prompt and {N(ToolTokens)} to the tool definitions, leaving {N(Math.Max(0, MessageTokens))} " +
            $"for the conversation, and the new message alone is about {N(newest)} tokens (estimated at 4 characters a token). " +
            "Send a shorter message, split it over several runs, lower max_tokens, or use a model with a larger context.");
    }

    private static string N(int tokens) => tokens.ToString("N0", CultureInfo.InvariantCulture);
}
