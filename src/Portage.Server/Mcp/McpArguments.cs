using System.Text.Json;
using Portage.Protocol.Retrieval;

namespace Portage.Server.Mcp;

/// <summary>
/// Reads tool arguments leniently by JSON kind; a value of the wrong kind is a tool error that names the field, so
/// the model can correct its call.
/// </summary>
internal sealed class McpArguments(IDictionary<string, JsonElement>? arguments)
{
    public string? Text(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw Wrong(name, "a string"),
    };

    public bool? Boolean(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Wrong(name, "true or false"),
    };

    public int? Integer(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var number) => number,
        _ => throw Wrong(name, "an integer"),
    };

    public List<string>? Strings(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } value when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
            [.. value.EnumerateArray().Select(v => v.GetString()!)],
        _ => throw Wrong(name, "a list of strings"),
    };

    public List<IReadOnlyList<string>>? Tuples(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } value when value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.Array
            && t.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)) =>
            [.. value.EnumerateArray().Select(t => (IReadOnlyList<string>)[.. t.EnumerateArray().Select(v => v.GetString()!)])],
        _ => throw Wrong(name, "a list of tuples of canonical ids, e.g. [[\"id1\",\"id2\"]]"),
    };

    public List<HistoryMessage> Turns(string name)
    {
        if (Get(name) is not { } value)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.Object))
        {
            throw Wrong(name, "a list of {role, content, name?} objects");
        }

        return [.. value.EnumerateArray().Select(t =>
        {
            var turn = new McpArguments(t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value));
            var role = turn.Text("role");
            return role is "user" or "assistant" or "system"
                ? new HistoryMessage { Role = role, Content = turn.Text("content") ?? "", Name = turn.Text("name") }
                : throw new McpToolError($"{name}: role is '{role}'; use user, assistant or system.");
        })];
    }

    // JSON null is the same as an omitted argument.
    private JsonElement? Get(string name) =>
        arguments is not null && arguments.TryGetValue(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? value : null;

    private static McpToolError Wrong(string name, string expected) => new($"{name} must be {expected}.");
}
