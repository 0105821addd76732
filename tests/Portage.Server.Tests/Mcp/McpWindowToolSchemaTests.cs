using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Mcp;

/// <summary>
/// <c>ingest</c> and the Context Window tools are built from C# methods: their schemas keep the wire names of
/// <c>@copass/mcp</c> (snake_case), the role's values, and refuse arguments they do not know.
/// </summary>
public sealed class McpWindowToolSchemaTests
{
    [Fact]
    public async Task The_window_tools_keep_their_wire_argument_names()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        var schemas = (await client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.JsonSchema);

        Assert.Equal(["content", "source_type", "storage_only", "occurred_at"], Properties(schemas["ingest"]));
        Assert.Equal(["project_id", "name", "participants"], Properties(schemas["context_window_create"]));
        Assert.Equal(["role", "content", "name", "participants", "data_source_id"], Properties(schemas["context_window_add_turn"]));
        Assert.Equal(["data_source_id", "initial_turns", "participants"], Properties(schemas["context_window_attach"]));
        Assert.Equal(["data_source_id"], Properties(schemas["context_window_close"]));
        var role = schemas["context_window_add_turn"].GetProperty("properties").GetProperty("role");
        Assert.Equal(["user", "assistant", "system"], role.GetProperty("enum").EnumerateArray().Select(r => r.GetString()));
        var turn = schemas["context_window_attach"].GetProperty("properties").GetProperty("initial_turns").GetProperty("items");
        Assert.Equal(["role", "content"], turn.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.All(schemas.Values, s => Assert.False(s.GetProperty("additionalProperties").GetBoolean(), s.GetRawText()));
        Assert.Equal("string", schemas["context_window_close"].GetProperty("properties").GetProperty("data_source_id").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_window_argument_of_the_wrong_kind_is_a_tool_error_naming_it()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        Assert.Equal("participants must be a list of strings.", await client.FailAsync("context_window_create", new() { ["participants"] = "Alice" }));
        Assert.Equal("content is required.", await client.FailAsync("ingest", new() { ["source_type"] = "markdown" }));
        Assert.Equal("role is 'robot'; use user, assistant or system.", await client.FailAsync("context_window_add_turn", new() { ["role"] = "robot", ["content"] = "hi" }));
        Assert.Equal("initial_turns[0].role does not fit the tool's input schema.", await client.FailAsync("context_window_attach", new()
        {
            ["data_source_id"] = "ds_x",
            ["initial_turns"] = new[] { new Dictionary<string, string> { ["role"] = "robot", ["content"] = "hi" } },
        }));
    }

    private static List<string> Properties(JsonElement schema) => [.. schema.GetProperty("properties").EnumerateObject().Select(p => p.Name)];
}
