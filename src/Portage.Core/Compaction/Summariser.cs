using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Portage.Core.Providers;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Compaction;

/// <summary>A summary and who wrote it.</summary>
/// <param name="Text">Readable text, stored as the compaction turn.</param>
/// <param name="Provider">The provider that wrote it.</param>
/// <param name="Model">Its model.</param>
/// <param name="Usage">What writing it cost, priced for its writer; null when it cost nothing (an offline summary).</param>
public sealed record WrittenSummary(string Text, string Provider, string Model, Usage? Usage = null);

/// <summary>
/// Writes the summary of a range of window turns, folding in the previous summary, with the configured summariser
/// (<see cref="CompactionOptions.Provider"/>, else the run's provider). Offline models write an
/// <see cref="ExtractiveSummary"/>. Only neutral text reaches the summariser: turns hold text and tool parts, never
/// thinking or signatures. Input larger than the summariser's budget is summarised a part at a time, rolling.
/// </summary>
public sealed class Summariser(ProviderRegistry providers, IOptions<CompactionOptions> options, IOptions<ModelLimits> models, IOptions<PriceTable> prices)
{
    private const string Instructions =
        "You maintain the running summary of a conversation between a user and an assistant, so the assistant can continue it " +
        "without the original turns. Keep the user's goals, the facts, names and numbers they gave, decisions made, tool results " +
        "that matter, commitments, and open questions. Drop pleasantries and repetition. Write plain text in the third person, " +
        "no preamble.";

    /// <summary>The summary of <paramref name="turns"/> (oldest first) after <paramref name="previous"/>.</summary>
    /// <exception cref="ProviderException">The summariser failed; the caller falls back to dropping the oldest turns.</exception>
    public async Task<WrittenSummary> SummariseAsync(
        ProviderDefinition runProvider, string runModel, string? previous, IReadOnlyList<TurnRecord> turns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runProvider);
        var settings = options.Value;
        var (provider, model) = Choose(runProvider, runModel, settings);
        if (provider.Free)
        {
            return new WrittenSummary(ExtractiveSummary.Write(previous, turns, settings.SummaryMaxTokens), provider.Name, model);
        }

        // Each call gets the summary so far and as many turns as fit beside it, within the summarising model's own
        // context (a small model must not be sent the provider's whole cost cap); the last call's answer is the summary.
        var context = Math.Min(models.Value.For(provider, model).ContextTokens, provider.ContextBudgetTokens);
        var room = Math.Max(context - 3 * settings.SummaryMaxTokens - TokenEstimator.Estimate(Instructions) - 64, 256);
        var summary = previous;
        var usage = new UsageDetails();
        foreach (var part in Parts(turns, room))
        {
            List<ChatMessage> sent = [new(ChatRole.System, Instructions), new(ChatRole.User, Prompt(summary, part, settings.SummaryMaxTokens))];
            var response = await provider.Client.GetResponseAsync(sent, new ChatOptions { ModelId = model, MaxOutputTokens = settings.SummaryMaxTokens }, cancellationToken);

            // A provider that reports no usage is billed by the router's estimate, as a run is.
            usage.Add(response.Usage ?? new UsageDetails { InputTokenCount = TokenEstimator.Estimate(sent), OutputTokenCount = TokenEstimator.Estimate(response.Text) });
            summary = string.IsNullOrWhiteSpace(response.Text)
                ? throw new ProviderException(provider.Name, "the summariser answered with no text", transient: false)
                : response.Text.Trim();
        }

        var cost = PriceTable.Price(UsageTiers.From(usage), prices.Value.Find(provider.Name, model), provider.Free);
        return new WrittenSummary(summary ?? "", provider.Name, model, cost);
    }

    private (ProviderDefinition Provider, string Model) Choose(ProviderDefinition runProvider, string runModel, CompactionOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Provider) || string.Equals(settings.Provider, runProvider.Name, StringComparison.OrdinalIgnoreCase))
        {
            return (runProvider, string.IsNullOrWhiteSpace(settings.Model) ? runModel : settings.Model);
        }

        var chosen = providers.Resolve(settings.Provider);
        return (chosen, string.IsNullOrWhiteSpace(settings.Model) ? chosen.DefaultModel : settings.Model);
    }

    private static string Prompt(string? summary, string turns, int maxTokens) =>
        new StringBuilder()
            .Append("Summary so far:\n").Append(string.IsNullOrWhiteSpace(summary) ? "(none)" : summary).Append("\n\n")
            .Append("Turns to fold into it:\n").Append(turns).Append("\n\n")
            .Append("Write the updated summary, at most about ").Append(maxTokens * 3 / 4).Append(" words.")
            .ToString();

    // Neutral "User: …" / "Assistant: …" lines, cut into parts of at most `room` tokens at exchange boundaries.
    private static IEnumerable<string> Parts(IReadOnlyList<TurnRecord> turns, int room)
    {
        var part = new StringBuilder();
        foreach (var message in WindowRenderer.Render(turns.Where(t => t.Role != TurnRole.Compaction), 1_000_000_000))
        {
            var line = Fit((message.Role == ChatRole.User ? "User: " : "Assistant: ") + message.Text, room) + "\n";
            if (part.Length > 0 && message.Role == ChatRole.User && TokenEstimator.Estimate(part.ToString()) + TokenEstimator.Estimate(line) > room)
            {
                yield return part.ToString();
                part.Clear();
            }

            part.Append(line);
        }

        if (part.Length > 0)
        {
            yield return part.ToString();
        }
    }

    // One message longer than a whole call's room keeps its start and end: a summary needs its gist, not every line.
    private static string Fit(string line, int room)
    {
        var most = room * 4;
        if (line.Length <= most)
        {
            return line;
        }

        const string Cut = " […] ";
        var half = (most - Cut.Length) / 2;
        return string.Concat(line.AsSpan(0, half), Cut, line.AsSpan(line.Length - half));
    }
}
