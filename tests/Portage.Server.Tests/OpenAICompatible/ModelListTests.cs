using Portage.Server.Tests.CrossProvider;
using Portage.Testing;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary><c>GET /v1/models</c>: the configured providers' models as <c>provider/model</c>, in OpenAI's list shape.</summary>
public sealed class ModelListTests
{
    [Fact]
    public async Task The_list_names_every_configured_providers_models_and_none_of_the_unconfigured()
    {
        using var app = new PortageApp();
        var models = (await OpenAIKit.Client(app).GetOpenAIModelClient().GetModelsAsync()).Value;

        Assert.Equal(["echo/echo-1", "mirror/mirror-1"], models.Select(m => m.Id));
        Assert.Equal(["echo", "mirror"], models.Select(m => m.OwnedBy));
    }

    [Fact]
    public async Task A_configured_provider_adds_its_default_and_listed_models()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        using var app = fakes.App();
        var ids = (await OpenAIKit.Client(app).GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();

        Assert.Contains("openai/gpt-4o-mini", ids);
        Assert.Contains("anthropic/claude-sonnet-4-6", ids);
        Assert.Contains("google/gemini-2.5-flash", ids);
        Assert.All(ids, id => Assert.Contains('/', id));
    }
}
