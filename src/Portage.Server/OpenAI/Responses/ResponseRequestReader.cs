using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI.Responses;

/// <summary>What a Responses request asks for, in Portage's terms.</summary>
/// <param name="Request">The run request: provider, model, system prompt, the new user messages, the end user, max tokens, the window when <c>conversation</c> names one.</param>
/// <param name="History">The messages before the new user messages when <c>input</c> carried a conversation (only without <c>previous_response_id</c> and <c>conversation</c>), else empty.</param>
/// <param name="Model">The model as the response names it, <c>provider/model</c>.</param>
/// <param name="Stream">Whether the answer is streamed.</param>
/// <param name="Store">False for a call that records nothing (<c>store: false</c>).</param>
/// <param name="PreviousResponseId">The response this one continues, or null.</param>
/// <param name="Metadata">The request's metadata (echoed back).</param>
internal sealed record ResponseTurn(
    AgentRunRequest Request, IReadOnlyList<ChatMessage> History, string Model, bool Stream, bool Store, string? PreviousResponseId, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>What the response keeps beyond its run.</summary>
    public ResponseDetails Details => new(Request.SystemPrompt is { Length: > 0 } system ? system : null, PreviousResponseId,
        Metadata.Count > 0 ? JsonSerializer.Serialize(Metadata, ResponsesJson.Default.IReadOnlyDictionaryStringString) : null);
}

/// <summary>
/// Reads a Responses request. <c>instructions</c>, then the system and developer messages of <c>input</c>, are the system
/// prompt; <c>input</c> is a string (one user message) or a list of messages whose user messages after the last
/// assistant one are the new turn. With <c>previous_response_id</c> or <c>conversation</c> Portage has the earlier turns,
/// so <c>input</c> carries only new user (and system) messages; without them <c>input</c> may carry a whole conversation,
/// sent to the model as it is. The end user is <c>user</c>, else <c>safety_identifier</c>, and is required.
/// </summary>
internal static class ResponseRequestReader
{
    private const int MaxMetadataPairs = 16;

    public static ResponseTurn Read(ResponseRequest wire, ProviderRegistry registry)
    {
        var (provider, model) = ChatModels.Split(registry, wire.Model);
        var endUser = EndUser(wire.User ?? wire.SafetyIdentifier, wire.User is null ? "safety_identifier" : "user");
        var windowId = ConversationId(wire.Conversation);
        var continues = wire.PreviousResponseId is not null || windowId is not null;
        if (wire.PreviousResponseId is not null && windowId is not null)
        {
            throw Bad("invalid_parameter", "previous_response_id and conversation name the conversation to continue; send one of them, not both.", "conversation");
        }

        if (wire.Store == false && continues)
        {
            throw Bad("unsupported_parameter",
                "store: false makes a call that records nothing, so it cannot continue a stored conversation: leave store out (Portage records the turn in the conversation's window) or leave out previous_response_id and conversation.",
                "store");
        }

        var incoming = new IncomingMessages(wire.Instructions);
        Read(wire.Input, incoming);
        var (history, turn) = incoming.Split(() => Invalid("input must end with the user's message: the model answers it."));
        if (continues && history.Count > 0)
        {
            throw Invalid("With previous_response_id or conversation, Portage keeps the earlier turns: input carries only the new user message(s), no assistant messages.");
        }

        var request = new AgentRunRequest
        {
            Provider = provider,
            Model = model,
            SystemPrompt = incoming.SystemPrompt,
            Messages = turn,
            EndUserId = endUser,
            ContextWindowId = windowId,
            // A request that names no conversation starts one, as on OpenAI: the end user's other windows stay as they are.
            NewWindow = continues ? null : true,
            MaxTokens = wire.MaxOutputTokens,
        };
        var name = model.Length > 0 ? $"{provider}/{model}" : provider;
        return new ResponseTurn(request, history, name, wire.Stream == true, wire.Store != false, wire.PreviousResponseId, Metadata(wire.Metadata));
    }

    private static string EndUser(string? user, string field)
    {
        if (string.IsNullOrEmpty(user))
        {
            throw Bad("invalid_end_user_id",
                "user is required: the end user's stable id (for example \"u-123\"). Portage keeps each end user's conversations apart; safety_identifier is read when user is absent.", "user");
        }

        return EndUserIds.IsValid(user) ? user
            : throw Bad("invalid_end_user_id",
                $"{field} is the end user's stable id, 1–{EndUserIds.MaxLength} characters of letters, digits and . _ ~ : @ - (for example \"u-123\"); it was '{user}'.", field);
    }

    // `conversation` is a window id, as a string or {"id": "..."}.
    private static string? ConversationId(JsonElement? conversation) => conversation switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } id when id.GetString() is { Length: > 0 } text => text,
        { ValueKind: JsonValueKind.Object } value when value.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } text => text,
        _ => throw Bad("invalid_parameter", "conversation is a conversation id (a Portage context_window_id), as a string or {\"id\": \"...\"}.", "conversation"),
    };

    private static void Read(JsonElement? input, IncomingMessages incoming)
    {
        switch (input)
        {
            case { ValueKind: JsonValueKind.String } text when !string.IsNullOrWhiteSpace(text.GetString()):
                incoming.Add("user", text.GetString()!, () => Invalid("input is empty."));
                return;
            case { ValueKind: JsonValueKind.Array } items when items.GetArrayLength() > 0:
                break;
            default:
                throw Invalid("input is required: the user's message as a string, or a list of {\"role\": \"user\", \"content\": \"...\"} messages.");
        }

        var i = 0;
        foreach (var item in input.Value.EnumerateArray())
        {
            var path = Path(i++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{path} is not an input item; send {{\"role\": \"user\", \"content\": \"...\"}}.", path);
            }

            var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "message";
            if (type != "message")
            {
                throw Bad("unsupported_parameter",
                    $"{path} is a '{type}' item, which is not supported yet: Portage takes messages only (the router runs its own tools and keeps the conversation; client tools, item references and reasoning items are not taken).", path);
            }

            var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (!incoming.Add(role, Text(item, path), () => Invalid($"{path}.content is empty; send the user's text.", $"{path}.content")))
            {
                throw Invalid($"{path}.role is '{role}'; use user, assistant, system or developer.", $"{path}.role");
            }
        }
    }

    // A string, or input_text / output_text parts joined by line breaks.
    private static string Text(JsonElement item, string path) =>
        MessageText.Read(item.TryGetProperty("content", out var content) ? content : null, $"{path}.content", type => type is "input_text" or "output_text" or "text",
            () => Invalid($"{path}.content is a string or a list of {{\"type\": \"input_text\", \"text\": \"...\"}} parts.", $"{path}.content"),
            (part, type) => Bad("unsupported_parameter",
                $"{part} is {type ?? "not a text part"}: Portage passes text only and the model would never see it. Send {{\"type\": \"input_text\", \"text\": \"...\"}} parts.", part));

    private static Dictionary<string, string> Metadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return new Dictionary<string, string>();
        }

        if (metadata.Count > MaxMetadataPairs || metadata.Any(p => p.Key.Length > 64 || p.Value is null || p.Value.Length > 512))
        {
            throw Bad("invalid_metadata", $"metadata holds at most {MaxMetadataPairs} pairs of string keys (up to 64 characters) and string values (up to 512).", "metadata");
        }

        return metadata;
    }

    private static string Path(int index) => string.Create(CultureInfo.InvariantCulture, $"input[{index}]");

    private static OpenAIRequestException Invalid(string detail, string param = "input") => Bad("invalid_input", detail, param);

    private static OpenAIRequestException Bad(string code, string detail, string param) => new(ErrorKind.BadRequest, code, detail, param);
}
