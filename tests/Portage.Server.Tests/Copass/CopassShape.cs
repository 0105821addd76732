using System.Text.Json;

namespace Portage.Server.Tests.Copass;

/// <summary>
/// Asserts a JSON object has the fields of a copass-compat shape with their JSON types: <c>"name:string"</c>,
/// <c>"name:number"</c>, <c>"name:integer"</c>, <c>"name:boolean"</c>, <c>"name:array"</c>, <c>"name:object"</c>. A
/// trailing <c>?</c> (<c>"name:string?"</c>) marks the contract's optional fields (TypeScript's <c>name?</c>): absent,
/// null, or of the type.
/// </summary>
internal static class CopassShape
{
    public static void AssertFields(JsonElement json, params string[] fields)
    {
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        foreach (var field in fields)
        {
            var (name, type) = (field[..field.IndexOf(':', StringComparison.Ordinal)], field[(field.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            var optional = type.EndsWith('?');
            var present = json.TryGetProperty(name, out var value);
            Assert.True(present || optional, $"missing field {name} in {json}");
            if (optional && (!present || value.ValueKind == JsonValueKind.Null))
            {
                continue;
            }

            var ok = type.TrimEnd('?') switch
            {
                "string" => value.ValueKind == JsonValueKind.String,
                "number" => value.ValueKind == JsonValueKind.Number,
                "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "array" => value.ValueKind == JsonValueKind.Array,
                "object" => value.ValueKind == JsonValueKind.Object,
                _ => throw new ArgumentException($"unknown type {type}", nameof(fields)),
            };
            Assert.True(ok, $"{name} should be {type}, was {value.ValueKind}: {value}");
        }
    }
}
