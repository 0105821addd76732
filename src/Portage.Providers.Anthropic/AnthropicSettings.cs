using Microsoft.Extensions.Configuration;

namespace Portage.Providers.Anthropic;

/// <summary>
/// The anthropic provider's configuration: section <c>Providers:Anthropic</c>, with the SDK's own environment variables
/// (<c>ANTHROPIC_API_KEY</c>, <c>ANTHROPIC_BASE_URL</c>) as fallbacks read through the same configuration.
/// </summary>
public sealed record AnthropicSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Providers:Anthropic";

    /// <summary>The public endpoint; the SDK appends <c>/v1/messages</c>.</summary>
    public const string DefaultBaseUrl = "https://api.anthropic.com";

    /// <summary>The API key; null when neither the section nor <c>ANTHROPIC_API_KEY</c> sets one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The API root without <c>/v1</c>.</summary>
    public string BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>Model used when a run names none.</summary>
    public string DefaultModel { get; init; } = "claude-sonnet-4-6";

    /// <summary>Models offered to clients.</summary>
    public IReadOnlyList<string> Models { get; init; } = ["claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5"];

    /// <summary><c>max_tokens</c> sent when a run gives none.</summary>
    public MaxTokensTable MaxTokens { get; init; } = MaxTokensTable.Defaults;

    /// <summary>Input budget for rendering a window into a fresh session.</summary>
    public int ContextBudgetTokens { get; init; } = 100_000;

    /// <summary>
    /// Whether requests carry prompt-cache breakpoints (system prompt or last tool, and the last replayed turn), so a
    /// continued session reads its earlier turns from Anthropic's cache. On by default.
    /// </summary>
    public bool PromptCaching { get; init; } = true;

    /// <summary>Reads the settings; empty strings count as unset.</summary>
    public static AnthropicSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var defaults = new AnthropicSettings();
        var models = section.GetSection("Models").GetChildren().Select(c => c.Value).OfType<string>().Where(m => m.Length > 0).ToList();
        return new AnthropicSettings
        {
            ApiKey = NonEmpty(section["ApiKey"]) ?? NonEmpty(configuration["ANTHROPIC_API_KEY"]),
            BaseUrl = NormalizeBaseUrl(NonEmpty(section["BaseUrl"]) ?? NonEmpty(configuration["ANTHROPIC_BASE_URL"]) ?? DefaultBaseUrl),
            DefaultModel = NonEmpty(section["DefaultModel"]) ?? defaults.DefaultModel,
            Models = models.Count > 0 ? models : defaults.Models,
            MaxTokens = MaxTokensTable.From(section.GetSection("MaxTokens")),
            ContextBudgetTokens = section.GetValue("ContextBudgetTokens", defaults.ContextBudgetTokens),
            PromptCaching = section.GetValue("PromptCaching", defaults.PromptCaching),
        };
    }

    // The SDK appends "/v1/messages" itself; a base URL copied from curl examples often ends in /v1 already.
    private static string NormalizeBaseUrl(string url)
    {
        var trimmed = url.TrimEnd('/');
        return trimmed.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? trimmed[..^3] : trimmed;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
