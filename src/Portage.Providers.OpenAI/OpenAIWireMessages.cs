using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Portage.Core.Providers;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Portage.Providers.OpenAI;

/// <summary>
/// Sends tool calls and tool results back as compact JSON, the way the model wrote them. MEAI serializes them with
/// its indented default options, which would replay <c>{"personName":"Alice"}</c> as a multi-line string and spend
/// tokens on whitespace in every later turn. MEAI sends an input message's OpenAI <c>RawRepresentation</c> as is.
/// </summary>
internal static class OpenAIWireMessages
{

    public static IEnumerable<ChatMessage> Compact(IEnumerable<ChatMessage> messages) => messages.Select(Compact);

    private static ChatMessage Compact(ChatMessage message)
    {
        if (message.RawRepresentation is global::OpenAI.Chat.ChatMessage)
        {
            return message;
        }

        if (message.Role == ChatRole.Assistant && message.Contents.Any(c => c is FunctionCallContent))
        {
            var calls = message.Contents.OfType<FunctionCallContent>().Select(call => ChatToolCall.CreateFunctionToolCall(
                call.CallId, call.Name, BinaryData.FromString(JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), CompactJson.Options))));
            var text = message.Contents.OfType<TextContent>().Where(t => t.Text.Length > 0).Select(t => ChatMessageContentPart.CreateTextPart(t.Text)).ToList();
            AssistantChatMessage wire;
            if (text.Count == 0)
            {
                wire = new AssistantChatMessage(calls);
            }
            else
            {
                wire = new AssistantChatMessage(text);
                foreach (var call in calls)
                {
                    wire.ToolCalls.Add(call);
                }
            }

            var copy = message.Clone();
            copy.RawRepresentation = wire;
            return copy;
        }

        if (message.Role == ChatRole.Tool && message.Contents.Any(IsStructuredResult))
        {
            var copy = message.Clone();
            copy.Contents = [.. message.Contents.Select(c => c is FunctionResultContent result && IsStructuredResult(c)
                ? new FunctionResultContent(result.CallId, JsonSerializer.Serialize(result.Result, CompactJson.Options))
                : c)];
            return copy;
        }

        return message;
    }

    private static bool IsStructuredResult(AIContent content) => content is FunctionResultContent { Result: not (null or string) };
}
