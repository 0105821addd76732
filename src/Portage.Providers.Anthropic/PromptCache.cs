using System.Text.Json;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace Portage.Providers.Anthropic;

/// <summary>
/// Anthropic's prompt-cache breakpoints (<c>cache_control: {"type": "ephemeral"}</c>) on the part of a request that the
/// next request of the session starts with: the end of the system prompt, which caches the tools before it too (or the
/// last tool when there is no system prompt), and the end of the message before the newest one, so a continued
/// session's next turn reads everything up to its own new message from the cache. Two breakpoints, within the API's four.
/// </summary>
/// <remarks>
/// Marks go on copies: the caller's messages are stored as the session's transcript, and a mark stored there would
/// come back next turn as a stale breakpoint (and as a JSON element the SDK does not read).
/// </remarks>
internal static class PromptCache
{
    // The key the SDK's chat client reads from an AIFunctionDeclaration's AdditionalProperties (nameof(Tool.CacheControl)).
    private const string ToolCacheControlKey = "CacheControl";

    private static readonly CacheControlEphemeral s_ephemeral = new();

    /// <summary>
    /// The messages with breakpoints on copies of the marked contents; without a system prompt to mark, the last tool
    /// of <paramref name="options"/> (a copy the caller owns) is marked instead.
    /// </summary>
    public static List<ChatMessage> Mark(IEnumerable<ChatMessage> messages, ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        var marked = messages.ToList();
        var system = marked.FindLastIndex(m => m.Role == ChatRole.System);
        var systemMarked = system >= 0 && Replace(marked, system);
        if (!systemMarked && options.Tools is [.., AIFunctionDeclaration last])
        {
            options.Tools = [.. options.Tools.Take(options.Tools.Count - 1), new CachedFunction(last)];
        }

        // The message before the newest one, when it is part of the conversation rather than the system prompt.
        if (marked.Count >= 2 && marked[^2].Role != ChatRole.System)
        {
            Replace(marked, marked.Count - 2);
        }

        return marked;
    }

    // Whether the message had a block that takes a breakpoint.
    private static bool Replace(List<ChatMessage> messages, int index)
    {
        var original = messages[index];
        messages[index] = WithBreakpoint(original);
        return !ReferenceEquals(original, messages[index]);
    }

    private static ChatMessage WithBreakpoint(ChatMessage message)
    {
        // The last block the SDK sends with a cache_control (thinking blocks take none; blank assistant text is dropped).
        for (var i = message.Contents.Count - 1; i >= 0; i--)
        {
            if (Marked(message.Contents[i]) is { } content)
            {
                var copy = message.Clone();
                copy.Contents = [.. message.Contents];
                copy.Contents[i] = content;
                return copy;
            }
        }

        return message;
    }

    // RawRepresentation is left behind: the SDK sends a raw block as it is, without the mark.
    private static AIContent? Marked(AIContent content) => content switch
    {
        TextContent text when !string.IsNullOrWhiteSpace(text.Text) =>
            new TextContent(text.Text) { Annotations = text.Annotations, AdditionalProperties = Copy(text) }.WithCacheControl(s_ephemeral),
        FunctionCallContent call =>
            new FunctionCallContent(call.CallId, call.Name, call.Arguments) { Exception = call.Exception, AdditionalProperties = Copy(call) }.WithCacheControl(s_ephemeral),
        FunctionResultContent result =>
            new FunctionResultContent(result.CallId, result.Result) { Exception = result.Exception, AdditionalProperties = Copy(result) }.WithCacheControl(s_ephemeral),
        _ => null,
    };

    private static AdditionalPropertiesDictionary? Copy(AIContent content) =>
        content.AdditionalProperties is { } properties ? new AdditionalPropertiesDictionary(properties) : null;

    /// <summary>A tool declaration that also asks for a breakpoint after itself (MEAI's delegating one is internal).</summary>
    private sealed class CachedFunction(AIFunctionDeclaration inner) : AIFunctionDeclaration
    {
        public override string Name => inner.Name;

        public override string Description => inner.Description;

        public override JsonElement JsonSchema => inner.JsonSchema;

        public override JsonElement? ReturnJsonSchema => inner.ReturnJsonSchema;

        public override IReadOnlyDictionary<string, object?> AdditionalProperties { get; } =
            new AdditionalPropertiesDictionary(inner.AdditionalProperties) { [ToolCacheControlKey] = s_ephemeral };
    }
}
