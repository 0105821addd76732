using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Core.Providers;

/// <summary>
/// The router's one token estimate (4 characters a token), used wherever a provider reports no count: turns, chunks,
/// briefs, the echo model's usage, and a run's context budget. One rule everywhere, so a window's budget means the
/// same on every path.
/// </summary>
public static class TokenEstimator
{
    /// <summary>The estimated tokens of <paramref name="text"/>; 0 for null or empty.</summary>
    public static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    /// <summary>
    /// The estimated tokens of a message as a provider receives it: its text, reasoning (with its signature), tool
    /// calls (name and arguments as JSON) and tool results (as JSON).
    /// </summary>
    public static int Estimate(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Contents.Sum(Estimate);
    }

    /// <summary>The estimated tokens of <paramref name="messages"/>.</summary>
    public static int Estimate(IEnumerable<ChatMessage> messages) => messages.Sum(Estimate);

    /// <summary>The estimated tokens of the tool definitions a run sends: each tool's name, description and JSON schema.</summary>
    public static int Estimate(IEnumerable<AITool>? tools) =>
        tools?.Sum(tool => Estimate(string.Concat(tool.Name, tool.Description, tool is AIFunction function ? function.JsonSchema.GetRawText() : ""))) ?? 0;

    private static int Estimate(AIContent content) => content switch
    {
        TextContent text => Estimate(text.Text),
        TextReasoningContent reasoning => Estimate(reasoning.Text) + Estimate(reasoning.ProtectedData),
        FunctionCallContent call => Estimate(call.Name) + Estimate(JsonSerializer.Serialize(call.Arguments, CompactJson.Options)),
        FunctionResultContent result => Estimate(JsonSerializer.Serialize(result.Result, CompactJson.Options)) + Estimate(result.Exception?.Message),
        UsageContent => 0,
        _ => Estimate(JsonSerializer.Serialize(content, CompactJson.Options)),
    };
}
