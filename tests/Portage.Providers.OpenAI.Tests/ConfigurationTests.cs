using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Portage.Testing.Fakes;
using static Portage.Providers.OpenAI.Tests.OpenAITestClient;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>How the openai provider and named endpoints read their settings.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void Without_key_or_base_url_openai_is_listed_unconfigured_with_gpt_4o_mini_and_what_it_needs()
    {
        var openai = Provider(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "", ["OPENAI_BASE_URL"] = "" });

        Assert.Equal(("openai", false, "gpt-4o-mini"), (openai.Name, openai.Configured, openai.DefaultModel));
        Assert.Equal("OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)", openai.Needs);
    }

    [Fact]
    public void A_key_alone_configures_openai()
    {
        Assert.True(Provider(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" }).Configured);
    }

    [Fact]
    public void Section_settings_win_over_environment_and_set_model_models_and_budget()
    {
        var openai = Provider(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-env",
            ["Providers:OpenAI:ApiKey"] = "sk-section",
            ["Providers:OpenAI:DefaultModel"] = "gpt-4.1-mini",
            ["Providers:OpenAI:Models:0"] = "gpt-4.1-mini",
            ["Providers:OpenAI:Models:1"] = "gpt-4o-mini",
            ["Providers:OpenAI:ContextBudgetTokens"] = "50000",
        });

        Assert.Equal(("gpt-4.1-mini", 50_000), (openai.DefaultModel, openai.ContextBudgetTokens));
        Assert.Equal(["gpt-4.1-mini", "gpt-4o-mini"], openai.Models);
    }

    [Theory]
    [InlineData("/v1")]
    [InlineData("/v1/")]
    public async Task Base_url_is_the_api_root_with_or_without_a_trailing_slash_and_the_section_key_is_sent(string suffix)
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        var client = Provider(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-env",
            ["Providers:OpenAI:ApiKey"] = "sk-section",
            ["OPENAI_BASE_URL"] = fake.BaseUrl + suffix,
        }).Client;

        await client.CollectAsync([new(ChatRole.User, "hello")]);

        var request = Assert.Single(fake.Requests);
        Assert.Equal(("/v1/chat/completions", "Bearer sk-section"), (request.PathAndQuery, request.Headers["Authorization"]));
    }

    [Fact]
    public void A_base_url_that_is_not_an_http_url_leaves_openai_unconfigured_and_says_why()
    {
        var openai = Provider(new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = "localhost:11434" });

        Assert.False(openai.Configured);
        Assert.Contains("'localhost:11434'", openai.Needs, StringComparison.Ordinal);
    }

    [Fact]
    public void Named_endpoints_take_their_name_from_the_section_and_need_a_base_url_and_a_model()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:OpenAICompatible:ollama:BaseUrl"] = "http://localhost:11434/v1",
            ["Providers:OpenAICompatible:ollama:DefaultModel"] = "llama3.2",
            ["Providers:OpenAICompatible:ollama:Models"] = "llama3.2, qwen2.5",
            ["Providers:OpenAICompatible:vllm:BaseUrl"] = "http://localhost:8000/v1",
        }).Build();

        Assert.Equal(["ollama", "vllm"], OpenAIProvider.CompatibleNames(configuration).Order(StringComparer.Ordinal));
        var ollama = OpenAIProvider.Compatible("ollama", configuration, TimeProvider.System);
        Assert.Equal((true, "llama3.2", 8_192), (ollama.Configured, ollama.DefaultModel, ollama.ContextBudgetTokens));
        Assert.Equal(["llama3.2", "qwen2.5"], ollama.Models);
        var vllm = OpenAIProvider.Compatible("vllm", configuration, TimeProvider.System);
        Assert.False(vllm.Configured);
        Assert.Contains("Providers:OpenAICompatible:vllm:DefaultModel", vllm.Needs, StringComparison.Ordinal);
    }
}
