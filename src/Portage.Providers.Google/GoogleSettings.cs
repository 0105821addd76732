using Microsoft.Extensions.Configuration;

namespace Portage.Providers.Google;

/// <summary>
/// The google provider's configuration: section <c>Providers:Google</c>, with the usual Google environment variables
/// (read through the same <see cref="IConfiguration"/>) as fallbacks. An empty string counts as unset.
/// </summary>
internal sealed record GoogleSettings
{
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";

    public string? ApiKey { get; init; }

    public string BaseUrl { get; init; } = DefaultBaseUrl;

    public string DefaultModel { get; init; } = "gemini-2.5-flash";

    public IReadOnlyList<string> Models { get; init; } = ["gemini-2.5-flash", "gemini-2.5-pro"];

    public int ContextBudgetTokens { get; init; } = 200_000;

    public string? Project { get; init; }

    public string Location { get; init; } = "us-central1";

    /// <summary>Null means <c>https://{location}-aiplatform.googleapis.com</c>, which depends on the run's location.</summary>
    public string? VertexBaseUrl { get; init; }

    /// <summary>A fixed OAuth token (tests, short scripts); null means Application Default Credentials.</summary>
    public string? AccessToken { get; init; }

    /// <summary>How long a request may wait for response headers (a thinking model can be slow to start).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public static GoogleSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Providers:Google");
        string? Read(string key, params string[] environment) =>
            new[] { section[key] }.Concat(environment.Select(e => configuration[e])).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

        var models = section.GetSection("Models").GetChildren().Select(c => c.Value).OfType<string>().Where(m => m.Length > 0).ToList();
        var defaults = new GoogleSettings();
        return new GoogleSettings
        {
            ApiKey = Read("ApiKey", "GEMINI_API_KEY", "GOOGLE_API_KEY"),
            BaseUrl = (Read("BaseUrl", "GEMINI_BASE_URL") ?? DefaultBaseUrl).TrimEnd('/'),
            DefaultModel = Read("DefaultModel") ?? defaults.DefaultModel,
            Models = models.Count > 0 ? models : defaults.Models,
            ContextBudgetTokens = section.GetValue("ContextBudgetTokens", defaults.ContextBudgetTokens),
            Project = Read("Project", "GOOGLE_CLOUD_PROJECT"),
            Location = Read("Location", "GOOGLE_CLOUD_LOCATION") ?? defaults.Location,
            VertexBaseUrl = Read("VertexBaseUrl", "VERTEX_BASE_URL")?.TrimEnd('/'),
            AccessToken = Read("AccessToken", "GOOGLE_ACCESS_TOKEN"),
            Timeout = TimeSpan.FromSeconds(section.GetValue("TimeoutSeconds", defaults.Timeout.TotalSeconds)),
        };
    }
}
