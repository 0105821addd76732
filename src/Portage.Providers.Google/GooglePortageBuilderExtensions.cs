using Microsoft.Extensions.Configuration;
using Portage.Core;
using Portage.Core.Tenancy;
using Portage.Providers.Google;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>google</c> provider.</summary>
public static class GooglePortageBuilderExtensions
{
    /// <summary>
    /// Adds provider <c>google</c>: the Gemini API (configured by <c>Providers:Google:ApiKey</c> or
    /// <c>GEMINI_API_KEY</c>/<c>GOOGLE_API_KEY</c>; base URL <c>Providers:Google:BaseUrl</c> or <c>GEMINI_BASE_URL</c>),
    /// and, for runs that name a <c>reasoning_engine_id</c>, Vertex AI Agent Engine (configured by
    /// <c>Providers:Google:Project</c> or <c>GOOGLE_CLOUD_PROJECT</c>; region <c>Providers:Google:Location</c> or
    /// <c>GOOGLE_CLOUD_LOCATION</c>; credentials from Application Default Credentials or <c>GOOGLE_ACCESS_TOKEN</c>).
    /// Without credentials the provider is still listed, and runs on it are refused naming what to set.
    /// </summary>
    public static PortageBuilder AddGoogle(this PortageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Read when first resolved, so a test host's settings apply.
        builder.Services.AddSingleton(sp => new GoogleHttp(
            sp.GetRequiredService<TimeProvider>(),
            GoogleSettings.From(sp.GetRequiredService<IConfiguration>()).Timeout));
        builder.Services.AddSingleton(sp => GoogleProvider.Create(
            GoogleSettings.From(sp.GetRequiredService<IConfiguration>()),
            sp.GetRequiredService<GoogleHttp>(),
            sp.GetRequiredService<IIdGenerator>()));
        return builder;
    }
}
