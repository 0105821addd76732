using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Core.Windows;

/// <summary>The stored JSON form of a turn's parts, shared by every store so they read each other's data.</summary>
public static class TurnParts
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Serializes parts.</summary>
    public static string ToJson(IReadOnlyList<TurnPart> parts) => JsonSerializer.Serialize(parts, s_options);

    /// <summary>Deserializes parts.</summary>
    public static IReadOnlyList<TurnPart> FromJson(string json) => JsonSerializer.Deserialize<List<TurnPart>>(json, s_options) ?? [];
}
