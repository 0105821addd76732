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

    [Fact]
    public async Task One_model_reads_by_its_provider_model_name_and_an_unlisted_one_is_404()
    {
        using var app = new PortageApp();
        var models = OpenAIKit.Client(app).GetOpenAIModelClient();

        var model = (await models.GetModelAsync("echo/echo-1")).Value;

        Assert.Equal(("echo/echo-1", "echo"), (model.Id, model.OwnedBy));
        var missing = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => models.GetModelAsync("echo/nope"));
        Assert.Equal(404, missing.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(missing), "model_not_found", "model");
    }
}
