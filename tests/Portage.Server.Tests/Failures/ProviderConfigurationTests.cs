using System.Net.Http.Json;
using System.Text.Json;
using Portage.Core.Providers;
using Portage.Testing;

namespace Portage.Server.Tests.Failures;

/// <summary>A known provider without credentials is listed, and refused before streaming with what to set.</summary>
public sealed class ProviderConfigurationTests
{
    private static readonly ScriptedChatClient NeverCalled = new();

    private static readonly ProviderDefinition Unconfigured = new()
    {
        Name = "keyed",
        Client = NeverCalled,
        DefaultModel = "keyed-1",
        Needs = "KEYED_API_KEY",
        Configured = false,
    };

    [Fact]
    public async Task A_run_on_a_provider_without_credentials_is_a_400_naming_the_variable_to_set()
    {
        using var app = new PortageApp([Unconfigured]);

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("hi", provider: "keyed"));

        Assert.Equal((400, "provider_not_configured"), (status, error));
        Assert.Contains("set KEYED_API_KEY", detail, StringComparison.Ordinal);
        Assert.Empty(NeverCalled.Calls);
    }

    [Fact]
    public async Task An_unknown_provider_lists_the_configured_ones_apart_from_those_that_need_a_key()
    {
        using var app = new PortageApp([Unconfigured]);

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("hi", provider: "nosuch"));

        Assert.Equal((400, "unknown_provider"), (status, error));
        Assert.Contains("Unknown provider 'nosuch'. Configured: echo, mirror. Not configured", detail, StringComparison.Ordinal);
        Assert.Contains("anthropic (set ANTHROPIC_API_KEY)", detail, StringComparison.Ordinal);
        Assert.Contains("keyed (set KEYED_API_KEY)", detail, StringComparison.Ordinal);
        Assert.Contains("openai (set ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_known_provider_without_a_key_stays_provider_not_configured_not_unknown()
    {
        using var app = new PortageApp();

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("hi", provider: "anthropic"));

        Assert.Equal((400, "provider_not_configured"), (status, error));
        Assert.Contains("set ANTHROPIC_API_KEY", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_provider_list_shows_which_providers_are_configured()
    {
        using var app = new PortageApp([Unconfigured]);

        var list = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/providers");

        var keyed = list.GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "keyed");
        Assert.False(keyed.GetProperty("configured").GetBoolean());
        Assert.Equal("KEYED_API_KEY", keyed.GetProperty("needs").GetString());
        var echo = list.GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "echo");
        Assert.True(echo.GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task A_reasoning_engine_id_on_a_provider_without_agent_engines_is_a_400()
    {
        using var app = new PortageApp();
        var body = Runs.Body("hi");
        body["reasoning_engine_id"] = "1234567890";

        var (status, error, detail) = await app.RunErrorAsync(body);

        Assert.Equal((400, "reasoning_engine_unsupported"), (status, error));
        Assert.Contains("google", detail, StringComparison.Ordinal);
    }
}
