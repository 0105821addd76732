using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Copass;

/// <summary>
/// copass-compat §6.5: the SDK's and the API reference's presets are accepted by discover, interpret and search;
/// <c>&lt;preset&gt;:thinking</c> by search only; anything else is 400 <c>invalid_preset</c>.
/// </summary>
public sealed class PresetTests
{
    [Fact]
    public async Task Known_presets_are_accepted_by_every_operation()
    {
        using var app = new PortageApp();

        foreach (var operation in new[] { "discover", "interpret", "search" })
        {
            foreach (var preset in new[] { "copass/copass_1.0", "copass/copass_2.0", "copass/1.0", "copass/2.0", "fast", "auto", "discover", "sql", "max" })
            {
                var (status, json) = await app.PostJsonAsync(Path(app, operation), Body(operation, preset));
                Assert.True(status == 200, $"{operation} {preset}: {status} {json}");
            }
        }
    }

    [Theory]
    [InlineData("discover", "copass/copass_1.0:thinking")]
    [InlineData("discover", "fast:thinking")]
    [InlineData("interpret", "copass/copass_2.0:thinking")]
    [InlineData("interpret", "copass/1.0:thinking")]
    public async Task Thinking_presets_are_refused_outside_search(string operation, string preset)
    {
        using var app = new PortageApp();

        var (status, json) = await app.PostJsonAsync(Path(app, operation), Body(operation, preset));

        Assert.Equal((400, "invalid_preset"), (status, json.Str("error")));
        Assert.Contains("search only", json.Str("detail"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("copass/copass_1.0:thinking")]
    [InlineData("copass/2.0:thinking")]
    [InlineData("auto:thinking")]
    public async Task Search_takes_a_thinking_preset_and_echoes_it(string preset)
    {
        using var app = new PortageApp();

        var (status, json) = await app.PostJsonAsync(Path(app, "search"), Body("search", preset));

        Assert.Equal((200, preset), (status, json.Str("preset")));
    }

    [Theory]
    [InlineData("discover", "copass/copass_3.0")]
    [InlineData("discover", "")]
    [InlineData("interpret", "COPASS/1.0")]
    [InlineData("interpret", "thinking")]
    [InlineData("search", "bogus")]
    [InlineData("search", "bogus:thinking")]
    [InlineData("search", ":thinking")]
    public async Task Unknown_presets_are_refused_naming_the_known_ones(string operation, string preset)
    {
        using var app = new PortageApp();

        var (status, json) = await app.PostJsonAsync(Path(app, operation), Body(operation, preset));

        Assert.Equal((400, "invalid_preset"), (status, json.Str("error")));
        Assert.Contains("copass/copass_1.0", json.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_preset_is_copass_1_0()
    {
        using var app = new PortageApp();

        var (status, json) = await app.PostJsonAsync(Path(app, "search"), """{"query": "frost", "history": []}""");

        Assert.Equal((200, "copass/copass_1.0"), (status, json.Str("preset")));
    }

    private static string Path(PortageApp app, string operation) => $"/api/v1/query/sandboxes/{app.SandboxId}/{operation}";

    private static string Body(string operation, string preset) => operation == "interpret"
        ? $$"""{"query": "frost", "history": [], "items": [["chunk:none"]], "preset": "{{preset}}"}"""
        : $$"""{"query": "frost", "history": [], "preset": "{{preset}}"}""";
}
