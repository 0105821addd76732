using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>
/// Converts between Microsoft.Extensions.AI and the run contract for <see cref="PortageChatClient"/>: chat messages and
/// options to a run (<see cref="FromChatMessages"/>), a run's frames to chat response updates (<see cref="RunStream"/>).
/// </summary>
internal static class ChatMapping
{
    /// <summary>The run of one chat call: its new user messages, system prompt, provider, model and session.</summary>
    /// <exception cref="ArgumentException">No user message follows the last assistant message.</exception>
    public static RunOptions FromChatMessages(
        IReadOnlyList<ChatMessage> messages, ChatOptions? options, string endUserId, string provider, string? model)
    {
        var lastAssistant = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role == ChatRole.Assistant)
            {
                lastAssistant = i;
            }
        }

        var fresh = messages.Skip(lastAssistant + 1)
            .Where(m => m.Role == ChatRole.User && !string.IsNullOrWhiteSpace(m.Text))
            .Select(m => new RunMessage { Role = "user", Content = m.Text })
            .ToList();
        if (fresh.Count == 0)
        {
            throw new ArgumentException(
                "No new user message: Portage keeps the conversation, so a call sends the user messages after the last assistant message, and there were none with text.",
                nameof(messages));
        }

        var system = messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text)
            .Append(options?.Instructions ?? string.Empty)
            .Where(s => s.Length > 0);
        var (runProvider, runModel) = SplitModelId(options?.ModelId, provider, model);
        var sessionId = string.IsNullOrEmpty(options?.ConversationId) ? null : options.ConversationId;
        return new RunOptions
        {
            Provider = runProvider,
            Model = runModel,
            System = string.Join("\n\n", system),
            Messages = fresh,
            EndUserId = endUserId,
            SessionId = sessionId,
            // A chat without a conversation id is a new conversation, not whatever window the end user had open.
            NewWindow = sessionId is null,
            MaxTokens = options?.MaxOutputTokens,
        };
    }

    /// <summary>The same rule as the router's <c>/v1</c> routes: <c>provider/model</c>, or a provider's name alone.</summary>
    private static (string Provider, string? Model) SplitModelId(string? modelId, string provider, string? model)
    {
        if (string.IsNullOrWhiteSpace(modelId))
        {
            return (provider, model);
        }

        var slash = modelId.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (modelId, null) : (modelId[..slash], modelId[(slash + 1)..]);
    }

    /// <summary>The stop reason of <c>agent_finish</c> as MEAI's finish reason; Portage's own stays in <c>stop_reason</c>.</summary>
    public static ChatFinishReason ToFinishReason(string stopReason) => stopReason switch
    {
        "end_turn" or "stop" or "stop_sequence" => ChatFinishReason.Stop,
        "max_tokens" or "max_cycles" or "timeout" => ChatFinishReason.Length,
        "content_filter" or "refusal" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(stopReason),
    };

    /// <summary>
    /// Portage's <c>input_tokens</c> exclude the cache (Anthropic's convention); MEAI's input count includes it, with the
    /// cache reads also in <see cref="UsageDetails.CachedInputTokenCount"/>. Cache writes and cost go in the additional counts.
    /// </summary>
    public static UsageDetails ToUsageDetails(Usage usage)
    {
        var input = usage.InputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens;
        return new UsageDetails
        {
            InputTokenCount = input,
            OutputTokenCount = usage.OutputTokens,
            TotalTokenCount = input + usage.OutputTokens,
            CachedInputTokenCount = usage.CacheReadInputTokens,
            ReasoningTokenCount = usage.ThinkingTokens,
            AdditionalCounts = new AdditionalPropertiesDictionary<long>
            {
                ["cache_creation_input_tokens"] = usage.CacheCreationInputTokens,
                ["cost_microcents"] = usage.CostMicrocents,
            },
        };
    }

    /// <summary>
    /// The frames of one run as updates. The run id is the response id; each stretch of one role is one message
    /// (<c>{run_id}:{n}</c>), so text, an informational call, its result and the text after stay apart and in order.
    /// </summary>
    public sealed class RunStream
    {
        private string? _runId;
        private string? _sessionId;
        private ChatRole? _role;
        private int _message;

        /// <summary>The update for a frame, or null for frames that have none (<c>run_started</c>, <c>context_compacted</c>).</summary>
        public ChatResponseUpdate? ToChatResponseUpdate(AgentEvent agentEvent)
        {
            switch (agentEvent)
            {
                case RunStarted started:
                    (_runId, _sessionId) = (started.RunId, started.SessionId);
                    return null;
                case AgentTextDelta delta:
                    return Update(ChatRole.Assistant, agentEvent, new TextContent(delta.Text));
                case AgentToolCall call:
                    return Update(ChatRole.Assistant, agentEvent, new FunctionCallContent(call.CallId, call.Name, ToArguments(call.Arguments))
                    {
                        // The router already ran it: function invocation must not run it again.
                        InformationalOnly = true,
                        RawRepresentation = call,
                    });
                case AgentToolResult result:
                    return Update(ChatRole.Tool, agentEvent, new FunctionResultContent(result.CallId, result.Result)
                    {
                        Exception = result.Error is null ? null : new InvalidOperationException(result.Error),
                        RawRepresentation = result,
                    });
                case AgentFinish finish:
                    _sessionId = finish.SessionId ?? _sessionId;
                    // No role: the usage belongs to the response, not to a message of its own.
                    var update = Update(null, agentEvent, new UsageContent(ToUsageDetails(finish.Usage)));
                    update.FinishReason = ToFinishReason(finish.StopReason);
                    update.ModelId = finish.Provider is null ? finish.Model : $"{finish.Provider}/{finish.Model}";
                    update.AdditionalProperties = new AdditionalPropertiesDictionary
                    {
                        ["stop_reason"] = finish.StopReason,
                        ["run_id"] = finish.RunId ?? _runId,
                        ["context_window_id"] = finish.ContextWindowId,
                    };
                    return update;
                default:
                    return null;
            }
        }

        private ChatResponseUpdate Update(ChatRole? role, AgentEvent raw, AIContent content)
        {
            if (role is not null && _role is { } previous && previous != role)
            {
                _message++;
            }

            _role = role ?? _role;
            return new ChatResponseUpdate(role, [content])
            {
                ResponseId = _runId,
                MessageId = _runId is null ? null : $"{_runId}:{_message}",
                ConversationId = _sessionId,
                RawRepresentation = raw,
            };
        }

        private static Dictionary<string, object?> ToArguments(JsonElement arguments) => arguments.ValueKind == JsonValueKind.Object
            ? arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal) { ["value"] = arguments };
    }
}
