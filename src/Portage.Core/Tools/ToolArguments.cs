using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Core.Tools;

/// <summary>
/// Reads a tool call's arguments by JSON kind, the same way for a model's call in a run and an MCP client's call; a
/// value of the wrong kind is a <see cref="ToolArgumentException"/> that names the field, so the caller can correct its call.
/// </summary>
public sealed class ToolArguments
{
    private readonly Dictionary<string, object?> _arguments = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="arguments"/>: JSON values as sent, or values a provider adapter already parsed.</summary>
    public ToolArguments(IEnumerable<KeyValuePair<string, object?>>? arguments)
    {
        // The last of a repeated name wins, as in JSON parsers that keep one.
        foreach (var (name, value) in arguments ?? [])
        {
            _arguments[name] = value;
        }
    }

    /// <summary>A string, or null when omitted.</summary>
    public string? Text(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw Wrong(name, "a string"),
    };

    /// <summary>true or false, or null when omitted.</summary>
    public bool? Boolean(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Wrong(name, "true or false"),
    };

    /// <summary>A whole number, or null when omitted.</summary>
    public int? WholeNumber(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var number) => number,
        _ => throw Wrong(name, "an integer"),
    };

    /// <summary>A list of strings, or null when omitted.</summary>
    public List<string>? Strings(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } value when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
            [.. value.EnumerateArray().Select(v => v.GetString()!)],
        _ => throw Wrong(name, "a list of strings"),
    };

    /// <summary>A list of tuples of strings (discover items' canonical ids), or null when omitted.</summary>
    public List<IReadOnlyList<string>>? Tuples(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } value when value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.Array
            && t.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)) =>
            [.. value.EnumerateArray().Select(t => (IReadOnlyList<string>)[.. t.EnumerateArray().Select(v => v.GetString()!)])],
        _ => throw Wrong(name, "a list of tuples of canonical ids, e.g. [[\"id1\",\"id2\"]]"),
    };

    // JSON null is the same as an omitted argument. A provider adapter may hand over parsed values (strings, numbers,
    // nodes): they are read as the JSON they stand for.
    private JsonElement? Get(string name)
    {
        if (!_arguments.TryGetValue(name, out var raw) || raw is null)
        {
            return null;
        }

        var value = raw as JsonElement? ?? JsonSerializer.SerializeToElement(raw, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object)));
        return value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : value;
    }

    private static ToolArgumentException Wrong(string name, string expected) => new($"{name} must be {expected}.");
}

/// <summary>A tool argument of the wrong kind; its message is meant for the model (or MCP client) as it is.</summary>
public sealed class ToolArgumentException(string message) : Exception(message);
