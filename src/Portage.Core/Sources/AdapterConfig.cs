using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Core.Errors;

namespace Portage.Core.Sources;

/// <summary>Adapter settings of a source: always a JSON object, replaced or deep-merged by an update.</summary>
public static class AdapterConfig
{
    /// <summary>The settings of a source that has none.</summary>
    public const string Empty = "{}";

    /// <summary>The raw JSON of a given object; null when absent or JSON null; 400 <c>invalid_adapter_config</c> otherwise.</summary>
    public static string? ReadObject(JsonElement? value)
    {
        if (value is not { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } element)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw PortageException.BadRequest("invalid_adapter_config",
                $"adapter_config must be a JSON object such as {{\"repo\": \"acme/app\"}}, not a {element.ValueKind.ToString().ToLowerInvariant()}.");
        }

        return element.GetRawText();
    }

    /// <summary>
    /// Deep-merges <paramref name="patchJson"/> into <paramref name="currentJson"/> the way JSON Merge Patch (RFC 7396)
    /// does: objects merge key by key, a null value removes its key, anything else (arrays too) replaces.
    /// </summary>
    public static string Merge(string currentJson, string patchJson)
    {
        var current = JsonNode.Parse(currentJson) as JsonObject ?? [];
        var patch = JsonNode.Parse(patchJson) as JsonObject
            ?? throw new ArgumentException("The patch must be a JSON object.", nameof(patchJson));
        MergeInto(current, patch);
        return current.ToJsonString();
    }

    private static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            switch (value)
            {
                case null:
                    target.Remove(key);
                    break;
                case JsonObject nested:
                    if (target[key] is not JsonObject existing)
                    {
                        existing = [];
                        target[key] = existing;
                    }

                    MergeInto(existing, nested);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }
    }
}
