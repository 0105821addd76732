using System.Text.Json.Serialization;

namespace Portage.Server.Mcp;

/// <summary>Who spoke a turn; the schema lists the lower-case names, the C# names are the default speakers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<McpTurnRole>))]
internal enum McpTurnRole
{
    [JsonStringEnumMemberName("user")]
    User,

    [JsonStringEnumMemberName("assistant")]
    Assistant,

    [JsonStringEnumMemberName("system")]
    System,
}

/// <summary>A turn the client already has when it attaches a window (<c>initial_turns</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record McpTurn
{
    public required McpTurnRole Role { get; init; }

    public required string Content { get; init; }

    public string? Name { get; init; }
}

internal static class McpTurnRoles
{
    /// <summary>The role as history and stored turns spell it.</summary>
    public static string Wire(this McpTurnRole role) => role switch
    {
        McpTurnRole.User => "user",
        McpTurnRole.Assistant => "assistant",
        _ => "system",
    };
}
