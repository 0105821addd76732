using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic;

/// <summary>
/// Tool results as the model should read them. The SDK's adapter serializes a non-string result with MEAI's default
/// options, which indent: every tool result would cost newlines and padding in tokens, on this call and on each replay.
/// Results are sent as compact JSON text instead (a JSON string as its plain text), and a failure without a result
/// as its exception's message rather than <c>null</c>.
/// </summary>
internal static class ToolResults
{

    /// <summary>The messages with tool results rewritten as text; the caller's messages are not changed.</summary>
    public static IEnumerable<ChatMessage> Compact(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.Select(m => m.Contents.Any(NeedsText) ? Rewrite(m) : m);
    }

    private static bool NeedsText(AIContent content) => content switch
    {
        FunctionResultContent { Result: null, Exception: not null } => true,
        FunctionResultContent { Result: not null and not string and not AIContent and not IEnumerable<AIContent> } => true,
        _ => false,
    };

    private static ChatMessage Rewrite(ChatMessage message)
    {
        var copy = message.Clone();
        copy.Contents = [.. message.Contents.Select(c => NeedsText(c) ? AsText((FunctionResultContent)c) : c)];
        return copy;
    }

    private static FunctionResultContent AsText(FunctionResultContent result) => new(result.CallId, Text(result))
    {
        Exception = result.Exception,
        AdditionalProperties = result.AdditionalProperties,
        Annotations = result.Annotations,
    };

    private static string Text(FunctionResultContent content) => content.Result switch
    {
        null => content.Exception!.Message,
        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString()!,
        JsonElement json => JsonSerializer.Serialize(json, CompactJson.Options),
        var result => JsonSerializer.Serialize(result, CompactJson.Options.GetTypeInfo(typeof(object))),
    };
}
