using System.Text.RegularExpressions;
using Portage.Core.Errors;

namespace Portage.Core.Providers;

/// <summary>
/// What a model name may be, and how it is named in metrics. A run's <c>model</c> is the caller's text: it is checked
/// at the edge (a bounded identifier, so it cannot carry a document or a line break into the store, logs and spans),
/// and metrics label only models the router knows, so tenants cannot mint label values.
/// </summary>
public static partial class ModelNames
{
    /// <summary>The longest model name accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>The metric label of every model the router does not know.</summary>
    public const string Other = "other";

    /// <summary>The metric label of runs on an agent engine (the engine id stands in for the model).</summary>
    public const string AgentEngine = "agent-engine";

    /// <summary>
    /// Refuses a model name that is not a model id with 400 <c>invalid_model</c>. Null, empty or blank means the
    /// provider's default and passes. The set admits every form providers use: <c>models/gemini-2.5-flash</c>,
    /// <c>llama3.2:latest</c>, <c>accounts/fireworks/models/…</c>, <c>claude-opus-4@20250514</c>,
    /// <c>ft:gpt-4o-mini:org::id</c>, <c>hf.co/org/repo:Q4_K_M</c>.
    /// </summary>
    public static void Validate(string? model)
    {
        if (string.IsNullOrWhiteSpace(model) || ModelId().IsMatch(model.Trim()))
        {
            return;
        }

        throw PortageException.BadRequest("invalid_model",
            $"model is a model id: 1–{MaxLength} characters of letters, digits and . _ : / @ + - (for example claude-sonnet-4-6, " +
            "models/gemini-2.5-flash or llama3.2:latest). Omit it for the provider's default; GET /api/v1/providers lists each provider's models.");
    }

    /// <summary>
    /// The <c>gen_ai.request.model</c> label of a run's metrics: the model as configured when the router knows it (the
    /// provider's default, its listed models, a model of the price table), <see cref="AgentEngine"/> for agent-engine
    /// runs, else <see cref="Other"/>. Spans and stored runs keep the real name.
    /// </summary>
    public static string MetricLabel(ProviderDefinition provider, string model, PriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(prices);
        if (string.Equals(model, provider.DefaultModel, StringComparison.OrdinalIgnoreCase))
        {
            return provider.DefaultModel;
        }

        // The configured spelling, so case variants of one model are one label.
        var known = provider.Models.FirstOrDefault(m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase))
            ?? (prices.Providers.TryGetValue(provider.Name, out var priced)
                ? priced.Keys.FirstOrDefault(m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase))
                : null);
        if (known is not null)
        {
            return known;
        }

        return provider.ServerSideSessions && model.StartsWith(AgentEngine + "/", StringComparison.Ordinal) ? AgentEngine : Other;
    }

    [GeneratedRegex("^[A-Za-z0-9._:/@+-]{1,128}$")]
    private static partial Regex ModelId();
}
