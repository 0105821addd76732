using System.Text.Json;
using Portage.Core.Retrieval;
using Portage.Testing;

namespace Portage.Server.Tests.Mcp;

/// <summary>
/// The retrieval tools of <c>/mcp</c> are the agent's own functions: listed with the same names, descriptions and
/// schemas, and checking their arguments the same way.
/// </summary>
public sealed class McpSharedToolTests
{
    [Fact]
    public async Task The_retrieval_tools_are_listed_exactly_as_runs_offer_them()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        var listed = (await client.ListToolsAsync()).ToDictionary(t => t.Name);
        var functions = RetrievalTools.Create(app.Get<RetrievalService>());

        Assert.All(functions, f =>
        {
            var tool = listed[f.Name];
            Assert.Equal(f.Description, tool.Description);
            Assert.True(JsonElement.DeepEquals(f.JsonSchema, tool.JsonSchema), $"{f.Name}: {tool.JsonSchema}");
        });
    }

    [Fact]
    public async Task A_retrieval_argument_of_the_wrong_kind_is_a_tool_error_naming_it()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        Assert.Equal("query must be a string.", await client.FailAsync("search", new() { ["query"] = 5 }));
        Assert.Equal("canonical_ids must be a list of strings.", await client.FailAsync("get_origin", new() { ["canonical_ids"] = "c_1" }));
    }
}
