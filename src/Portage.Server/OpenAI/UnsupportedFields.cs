using System.Collections.Frozen;
using System.Text.Json;

namespace Portage.Server.OpenAI;

/// <summary>
/// The request fields of an OpenAI route that would change what the model does and that Portage does not pass on yet,
/// each with the test of a value that asks for nothing. <see cref="Check"/> refuses the first one sent with another
/// value (400 <c>unsupported_parameter</c> naming it), as OpenAI refuses a parameter a model does not take: a client
/// must never believe a setting took effect when the model ran without it. A field sent as null passes.
/// </summary>
internal sealed class UnsupportedFields((string Field, Func<JsonElement, bool> AsksNothing)[] fields)
{
    private readonly FrozenDictionary<string, Func<JsonElement, bool>> _byName = fields.ToFrozenDictionary(f => f.Field, f => f.AsksNothing, StringComparer.Ordinal);

    /// <summary>The refused fields, in the order the README lists them.</summary>
    public IEnumerable<string> Fields => fields.Select(f => f.Field);

    /// <summary>Refuses the first field of <paramref name="body"/> (an object) that asks for something Portage does not do.</summary>
    public void Check(JsonElement body)
    {
        foreach (var field in body.EnumerateObject())
        {
            if (field.Value.ValueKind != JsonValueKind.Null && _byName.TryGetValue(field.Name, out var asksNothing) && !asksNothing(field.Value))
            {
                throw OpenAIRequestException.BadRequest("unsupported_parameter",
                    $"'{field.Name}' is not supported yet: Portage would not pass it on and the model would run with its own default. " +
                    $"Remove it from the request. Not supported yet: {string.Join(", ", Fields)}.", field.Name);
            }
        }
    }

    /// <summary>No value asks for nothing.</summary>
    public static bool Never(JsonElement value) => false;

    /// <summary>An empty list.</summary>
    public static bool EmptyArray(JsonElement value) => value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0;

    /// <summary>The string <paramref name="expected"/>.</summary>
    public static bool IsString(JsonElement value, string expected) => value.ValueKind == JsonValueKind.String && value.GetString() == expected;

    /// <summary><c>false</c>.</summary>
    public static bool False(JsonElement value) => value.ValueKind == JsonValueKind.False;

    /// <summary>An object whose every field is null (<c>{"effort": null}</c>).</summary>
    public static bool AllNull(JsonElement value) => value.ValueKind == JsonValueKind.Object && value.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Null);
}
