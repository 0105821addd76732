using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Core.Tools;

namespace Portage.Core.Tests.Tools;

/// <summary>
/// One reader for tool arguments, whether a provider adapter parsed them (a run) or they arrive as JSON (MCP): the same
/// values read the same, and a wrong kind is an error that names the field.
/// </summary>
public sealed class ToolArgumentsTests
{
    [Fact]
    public void Json_values_and_values_an_adapter_already_parsed_read_the_same()
    {
        var json = JsonDocument.Parse("""{"query":"frost","ids":["a","b"],"items":[["a","b"],["c"]],"limit":3,"only":true,"none":null}""").RootElement;
        var fromJson = new ToolArguments(json.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)));
        var parsed = new ToolArguments(new Dictionary<string, object?>
        {
            ["query"] = "frost",
            ["ids"] = new[] { "a", "b" },
            ["items"] = JsonNode.Parse("""[["a","b"],["c"]]"""),
            ["limit"] = 3L,
            ["only"] = true,
            ["none"] = null,
        });

        foreach (var args in new[] { fromJson, parsed })
        {
            Assert.Equal("frost", args.Text("query"));
            Assert.Equal(["a", "b"], args.Strings("ids")!);
            Assert.Equal([["a", "b"], ["c"]], args.Tuples("items")!.Select(t => t.ToArray()));
            Assert.Equal(3, args.WholeNumber("limit"));
            Assert.True(args.Boolean("only"));
            Assert.Null(args.Text("none"));
            Assert.Null(args.Strings("missing"));
        }
    }

    [Theory]
    [InlineData("""{"query":5}""", "query must be a string.")]
    [InlineData("""{"ids":"a"}""", "ids must be a list of strings.")]
    [InlineData("""{"items":["a"]}""", "items must be a list of tuples of canonical ids, e.g. [[\"id1\",\"id2\"]].")]
    [InlineData("""{"limit":1.5}""", "limit must be an integer.")]
    public void A_value_of_the_wrong_kind_is_an_error_naming_the_field(string arguments, string message)
    {
        var json = JsonDocument.Parse(arguments).RootElement;
        var args = new ToolArguments(json.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)));

        var error = Assert.Throws<ToolArgumentException>(() =>
        {
            _ = args.Text("query");
            _ = args.Strings("ids");
            _ = args.Tuples("items");
            _ = args.WholeNumber("limit");
        });

        Assert.Equal(message, error.Message);
    }
}
