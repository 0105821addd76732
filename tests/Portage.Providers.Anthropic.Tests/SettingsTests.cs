using Microsoft.Extensions.Configuration;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>Configuration of the provider: section first, the SDK's environment variables as fallbacks.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void Without_a_key_the_provider_is_listed_unconfigured_with_its_defaults()
    {
        var provider = AnthropicProvider.Create(Settings(), TimeProvider.System);

        Assert.Equal(("anthropic", false, "ANTHROPIC_API_KEY"), (provider.Name, provider.Configured, provider.Needs));
        Assert.Equal("claude-sonnet-4-6", provider.DefaultModel);
        Assert.Equal(["claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5"], provider.Models);
        Assert.False(provider.ServerSideSessions);
    }

    [Fact]
    public void Empty_section_values_fall_back_to_the_environment_variables()
    {
        var settings = Settings(new()
        {
            ["Providers:Anthropic:ApiKey"] = "",
            ["Providers:Anthropic:BaseUrl"] = " ",
            ["ANTHROPIC_API_KEY"] = "sk-env",
            ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9/",
        });

        Assert.Equal(("sk-env", "http://127.0.0.1:9"), (settings.ApiKey, settings.BaseUrl));
        Assert.True(AnthropicProvider.Create(settings, TimeProvider.System).Configured);
    }

    [Fact]
    public void Section_values_win_and_a_trailing_v1_is_dropped_because_the_sdk_appends_it()
    {
        var settings = Settings(new()
        {
            ["Providers:Anthropic:ApiKey"] = "sk-section",
            ["Providers:Anthropic:BaseUrl"] = "https://proxy.example/anthropic/v1/",
            ["Providers:Anthropic:DefaultModel"] = "claude-opus-4-7",
            ["Providers:Anthropic:Models:0"] = "claude-opus-4-7",
            ["Providers:Anthropic:ContextBudgetTokens"] = "150000",
            ["ANTHROPIC_API_KEY"] = "sk-env",
        });

        Assert.Equal(("sk-section", "https://proxy.example/anthropic"), (settings.ApiKey, settings.BaseUrl));
        Assert.Equal(("claude-opus-4-7", 150_000), (settings.DefaultModel, settings.ContextBudgetTokens));
        Assert.Equal(["claude-opus-4-7"], settings.Models);
    }

    [Fact]
    public void Max_tokens_table_has_per_model_defaults_and_takes_overrides()
    {
        Assert.Equal((16_384, 8_192, 8_192), (Settings().MaxTokens.For("claude-sonnet-4-6"), Settings().MaxTokens.For("claude-haiku-4-5"), Settings().MaxTokens.For("claude-next")));

        var table = Settings(new()
        {
            ["Providers:Anthropic:MaxTokens:Default"] = "4096",
            ["Providers:Anthropic:MaxTokens:claude-opus-4-7"] = "32000",
            ["Providers:Anthropic:MaxTokens:claude-haiku-4-5"] = "not a number",
        }).MaxTokens;

        Assert.Equal((32_000, 16_384, 8_192, 4_096), (table.For("claude-opus-4-7"), table.For("claude-sonnet-4-6"), table.For("claude-haiku-4-5"), table.For("claude-next")));
        Assert.Equal(2048, Settings(new() { ["Providers:Anthropic:MaxTokens"] = "2048" }).MaxTokens.For("claude-next"));
    }

    private static AnthropicSettings Settings(Dictionary<string, string?>? values = null) =>
        AnthropicSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values ?? []).Build());
}
