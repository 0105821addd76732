using Microsoft.Extensions.Configuration;
using Portage.Core.Providers;

namespace Portage.Providers.OpenAI;

/// <summary>
/// The <c>openai</c> provider and the OpenAI-compatible ones: reads their settings from configuration and builds
/// their <see cref="ProviderDefinition"/>s.
/// </summary>
public static class OpenAIProvider
{
    /// <summary>The wire's <c>provider</c> value of the OpenAI API itself (compatible endpoints are named by their section).</summary>
    public const string Name = "openai";

    internal const string OpenAISection = "Providers:OpenAI";
    internal const string CompatibleSection = "Providers:OpenAICompatible";
    internal const string DefaultModel = "gpt-4o-mini";

    // Local models often run with small context windows; 8k fits the common defaults of Ollama and llama.cpp models.
    internal const int CompatibleBudgetTokens = 8_192;

    internal static ProviderDefinition OpenAI(IConfiguration configuration, TimeProvider time)
    {
        var section = configuration.GetSection(OpenAISection);
        var apiKey = Value(section, "ApiKey") ?? Value(configuration, "OPENAI_API_KEY");
        var baseUrl = Value(section, "BaseUrl") ?? Value(configuration, "OPENAI_BASE_URL");
        var needs = "OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)";
        var configured = apiKey is not null || baseUrl is not null;
        if (baseUrl is not null && !IsHttpUrl(baseUrl))
        {
            needs = $"OPENAI_BASE_URL as an absolute http(s) URL with /v1, such as http://localhost:11434/v1 (it is '{baseUrl}')";
            configured = false;
            baseUrl = null;
        }

        return Definition(Name, section, apiKey, baseUrl, Value(section, "DefaultModel") ?? DefaultModel, 100_000, needs, configured, time);
    }

    internal static IEnumerable<string> CompatibleNames(IConfiguration configuration) =>
        configuration.GetSection(CompatibleSection).GetChildren().Select(c => c.Key);

    internal static ProviderDefinition Compatible(string name, IConfiguration configuration, TimeProvider time)
    {
        var section = configuration.GetSection($"{CompatibleSection}:{name}");
        var key = $"{CompatibleSection}:{name}";
        var baseUrl = Value(section, "BaseUrl");
        var model = Value(section, "DefaultModel");
        var configured = baseUrl is not null && IsHttpUrl(baseUrl) && model is not null;
        var needs = $"{key}:BaseUrl (the API root with /v1, such as http://localhost:11434/v1) and {key}:DefaultModel";
        return Definition(name, section, Value(section, "ApiKey"), configured ? baseUrl : null, model ?? "", CompatibleBudgetTokens, needs, configured, time);
    }

    private static ProviderDefinition Definition(
        string name, IConfigurationSection section, string? apiKey, string? baseUrl, string model, int budget, string needs, bool configured, TimeProvider time)
    {
        var models = List(section.GetSection("Models"));
        return new ProviderDefinition
        {
            Name = name,
            Client = new OpenAIEndpoint(name, apiKey, baseUrl).CreateChatClient(model.Length > 0 ? model : DefaultModel, time),
            DefaultModel = model,
            Models = models.Count > 0 ? models : model.Length > 0 ? [model] : [],
            ContextBudgetTokens = section.GetValue<int?>("ContextBudgetTokens") ?? budget,
            Needs = needs,
            Configured = configured,
        };
    }

    // An empty value counts as unset (test hosts blank the environment variables this way).
    private static string? Value(IConfiguration configuration, string key) => configuration[key] is { Length: > 0 } value ? value.Trim() : null;

    // Models as a JSON array, or one comma-separated string (the natural form in an environment variable).
    private static List<string> List(IConfigurationSection section) =>
        section.Value is { Length: > 0 } joined
            ? [.. joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [.. section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0)];

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
