using Microsoft.Extensions.Options;

namespace Portage.Core.Providers;

/// <summary>What one model can take and give, in tokens, as its provider publishes it.</summary>
public sealed record ModelLimit
{
    /// <summary>The context window: input and output of one call together.</summary>
    public int ContextTokens { get; init; }

    /// <summary>The most output one call may ask for; 0 when not known (then only a run's <c>max_tokens</c> is kept back).</summary>
    public int MaxOutputTokens { get; init; }

    /// <summary>False for the stand-in of a model the table does not list (see <see cref="ModelLimits.For"/>).</summary>
    public bool Listed { get; init; } = true;
}

/// <summary>
/// The model table, bound from the <c>Models</c> configuration section as <c>Models:Providers:{provider}:{model}</c>
/// with <c>ContextTokens</c> and <c>MaxOutputTokens</c>, next to <c>Pricing</c>. A model the table does not list gets
/// its provider's <see cref="ProviderDefinition.ContextBudgetTokens"/> as its context and no known output limit.
/// </summary>
public sealed class ModelLimits
{
    /// <summary>Limits by provider, then model (both case-insensitive when looked up).</summary>
    public Dictionary<string, Dictionary<string, ModelLimit>> Providers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The listed limits of a model, or null.</summary>
    public ModelLimit? Find(string provider, string model) => PriceTable.Find(Providers, provider, model);

    /// <summary>The limits of a model of <paramref name="provider"/>: the table's, else the provider's fallback.</summary>
    public ModelLimit For(ProviderDefinition provider, string model)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return Find(provider.Name, model) is { } listed ? listed with { Listed = true }
            : new ModelLimit { ContextTokens = provider.ContextBudgetTokens, MaxOutputTokens = 0, Listed = false };
    }
}

/// <summary>Checks the model table at start, so a typo stops the router instead of cutting every conversation.</summary>
public sealed class ModelLimitsValidator : IValidateOptions<ModelLimits>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ModelLimits options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (provider, models) in options.Providers)
        {
            foreach (var (model, limit) in models)
            {
                var key = $"Models:Providers:{provider}:{model}";
                if (limit.ContextTokens <= 0)
                {
                    failures.Add($"{key}:ContextTokens must be the model's context window in tokens (a positive number, e.g. 200000); it is {limit.ContextTokens}.");
                }
                else if (limit.MaxOutputTokens <= 0 || limit.MaxOutputTokens >= limit.ContextTokens)
                {
                    failures.Add($"{key}:MaxOutputTokens must be the model's output limit in tokens, above 0 and below its ContextTokens ({limit.ContextTokens}); it is {limit.MaxOutputTokens}.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
