using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Portage.Providers.Anthropic;

/// <summary>
/// The <c>max_tokens</c> the Messages API requires on every request, per model, used when a run gives none. Configured
/// as <c>Providers:Anthropic:MaxTokens</c>: a number sets the fallback, children set models
/// (<c>MaxTokens:claude-opus-4-7 = 32000</c>) and <c>MaxTokens:Default</c> the fallback.
/// </summary>
public sealed class MaxTokensTable
{
    /// <summary>Used for models the table does not name.</summary>
    public const int Fallback = 8192;

    private readonly Dictionary<string, int> _models;

    /// <summary>Creates a table.</summary>
    public MaxTokensTable(IReadOnlyDictionary<string, int> models, int fallback = Fallback)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfLessThan(fallback, 1);
        _models = new Dictionary<string, int>(models, StringComparer.OrdinalIgnoreCase);
        Default = fallback;
    }

    /// <summary>The built-in table: roomy enough for long answers, far below each model's output limit.</summary>
    public static MaxTokensTable Defaults { get; } = new(new Dictionary<string, int>
    {
        ["claude-opus-4-7"] = 16_384,
        ["claude-sonnet-4-6"] = 16_384,
        ["claude-haiku-4-5"] = 8_192,
    });

    /// <summary>The value for models the table does not name.</summary>
    public int Default { get; }

    /// <summary>The <c>max_tokens</c> for a model.</summary>
    public int For(string? model) => model is not null && _models.TryGetValue(model, out var tokens) ? tokens : Default;

    /// <summary>The built-in table overlaid with the section's values.</summary>
    public static MaxTokensTable From(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var models = new Dictionary<string, int>(Defaults._models, StringComparer.OrdinalIgnoreCase);
        var fallback = Positive(section.Value) ?? Defaults.Default;
        foreach (var child in section.GetChildren())
        {
            if (Positive(child.Value) is not { } tokens)
            {
                continue;
            }

            if (string.Equals(child.Key, "Default", StringComparison.OrdinalIgnoreCase))
            {
                fallback = tokens;
            }
            else
            {
                models[child.Key] = tokens;
            }
        }

        return new MaxTokensTable(models, fallback);
    }

    private static int? Positive(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var tokens) && tokens > 0 ? tokens : null;
}
