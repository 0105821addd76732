using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes;

/// <summary>JSON in a canonical form, for comparing bodies and hashing prefixes regardless of member order.</summary>
public static class JsonCanonical
{
    /// <summary>A copy with object members sorted by name, leaving out members named <paramref name="leaving"/>.</summary>
    public static JsonNode? Sorted(JsonNode? node, string? leaving = null) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Key != leaving).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value, leaving)))),
        JsonArray a => new JsonArray([.. a.Select(n => Sorted(n, leaving))]),
        null => null,
        _ => node.DeepClone(),
    };
}
