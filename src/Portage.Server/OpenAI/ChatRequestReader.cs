using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI;

/// <summary>What a Chat Completions request asks for, in Portage's terms.</summary>
/// <param name="Request">The run request: provider, model, system prompt, the new user messages, the end user (null without <c>user</c>), max tokens.</param>
/// <param name="History">The messages before the new user messages, system messages aside.</param>
/// <param name="Model">The model as the response names it, <c>provider/model</c> (the model empty for the provider's default).</param>
/// <param name="Stream">Whether the answer is streamed.</param>
/// <param name="IncludeUsage">Whether a stream ends with a usage chunk.</param>
internal sealed record ChatTurn(AgentRunRequest Request, IReadOnlyList<ChatMessage> History, string Model, bool Stream, bool IncludeUsage);

/// <summary>
/// Reads a Chat Completions request: the system and developer messages, joined in order, are the system prompt; the
/// user messages after the last assistant message are the new ones (the turn recorded with <c>user</c>); everything
/// before them is the history the model is sent with them. The last message must be the user's.
/// </summary>
internal static class ChatRequestReader
{
    public static ChatTurn Read(ChatCompletionRequest wire, ProviderRegistry registry)
    {
        var (provider, model) = ChatModels.Split(registry, wire.Model);
        var incoming = new IncomingMessages(null);
        var messages = wire.Messages is { Count: > 0 } list ? list
            : throw Invalid("messages is required: a list with at least one {\"role\": \"user\", \"content\": \"...\"}.", "messages");
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw Invalid($"messages[{i}] is null; each message is {{\"role\": \"user\", \"content\": \"...\"}}.", $"messages[{i}]");
            if (message.Role is "tool" or "function")
            {
                throw OpenAIRequestException.BadRequest("unsupported_parameter",
                    $"messages[{i}] has role '{message.Role}': tool results answer tools the client offered, and Portage does not take client tools yet (the router runs its own).",
                    $"messages[{i}].role");
            }

            var index = i;
            if (!incoming.Add(message.Role, Text(message.Content, i), () => Invalid($"messages[{index}].content is empty; send the user's text.", $"messages[{index}].content")))
            {
                throw Invalid($"messages[{i}].role is '{message.Role}'; use system, developer, user or assistant.", $"messages[{i}].role");
            }
        }

        var (history, turn) = incoming.Split(() => Invalid("The last message must be the user's: the model answers it.", "messages"));
        var request = new AgentRunRequest
        {
            Provider = provider,
            Model = model,
            SystemPrompt = incoming.SystemPrompt,
            Messages = turn,
            EndUserId = EndUser(wire.User),
            MaxTokens = wire.MaxCompletionTokens ?? wire.MaxTokens,
        };
        var name = model.Length > 0 ? $"{provider}/{model}" : provider;
        return new ChatTurn(request, history, name, wire.Stream == true, wire.StreamOptions?.IncludeUsage == true);
    }

    // The end user of a recorded turn, checked here so that the refusal names `user`, this route's field.
    private static string? EndUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        return EndUserIds.IsValid(user) ? user
            : throw OpenAIRequestException.BadRequest("invalid_end_user_id",
                $"user is the end user's stable id, 1–{EndUserIds.MaxLength} characters of letters, digits and . _ ~ : @ - (for example \"u-123\"); it was '{user}'. Leave it out for a call that records nothing.",
                "user");
    }

    // A string, or text parts joined by line breaks (the screen has refused every other kind of part); null is an empty message.
    private static string Text(JsonElement? content, int index)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"messages[{index}].content");
        return MessageText.Read(content, path, _ => true,
            () => Invalid($"{path} is a string or a list of {{\"type\": \"text\", \"text\": \"...\"}} parts.", path),
            (part, _) => Invalid($"{part} is not a text part; send {{\"type\": \"text\", \"text\": \"...\"}}.", part));
    }

    private static OpenAIRequestException Invalid(string detail, string param) => OpenAIRequestException.BadRequest("invalid_messages", detail, param);
}
