using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Google.AgentEngine;

/// <summary>
/// Vertex AI Agent Engine (an ADK agent deployed as a reasoning engine) as an <see cref="IChatClient"/> with
/// server-side sessions: the engine keeps the history, so only the new user message is sent, and the engine's session
/// id travels in <see cref="ChatOptions.ConversationId"/> (in) and <see cref="ChatResponseUpdate.ConversationId"/> (out).
/// The engine id, the user id (the end user scoped by sandbox) and an optional region come from <see cref="RunContextKeys"/>.
/// </summary>
internal sealed partial class AgentEngineChatClient(GoogleHttp http, GoogleSettings settings, IAccessTokenSource tokens) : GoogleChatClient
{
    private const string What = "Vertex AI Agent Engine";

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var engine = EngineUrl(options);
        // Scoped by sandbox (ProviderUserIds): engine state is per user id, and tenants choose end user ids freely.
        var userId = Context(options, RunContextKeys.ProviderUserId) ?? throw Refused("the run names no end user");

        var message = ComposeMessage(messages);

        var token = await tokens.GetTokenAsync(cancellationToken);
        void Authorize(HttpRequestMessage request) => request.Headers.Authorization = new("Bearer", token);

        var sessionId = options?.ConversationId;
        if (string.IsNullOrEmpty(sessionId))
        {
            sessionId = await CreateSessionAsync(engine, userId, Authorize, cancellationToken);
        }

        var query = new JsonObject
        {
            ["class_method"] = "async_stream_query",
            ["input"] = new JsonObject { ["user_id"] = userId, ["session_id"] = sessionId, ["message"] = message },
        };
        using var response = await http.PostAsync($"{engine}:streamQuery?alt=sse", query, Authorize, What, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);

        // The framing is not documented: lines may be "data: {json}" or bare NDJSON; both are read line by line.
        var reader = new AdkEventReader(sessionId);
        await using var lines = ReadLinesAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await GoogleHttp.MoveNextAsync(lines, What, cancellationToken))
        {
            if (reader.ReadLine(lines.Current) is { } update)
            {
                yield return update;
            }
        }

        yield return reader.Complete();
    }

    /// <summary>
    /// The engine remembers its own conversation, so normally the new user message is all it gets. Core also passes
    /// what the engine has not seen — the window's earlier turns when its session is new, or turns other providers
    /// added since its last turn (rules 4 and 6) — and those travel as context in front of the new message, since a
    /// stream query takes one message. The system prompt is not sent: the deployed agent has its own instructions.
    /// </summary>
    internal static string ComposeMessage(IEnumerable<ChatMessage> messages)
    {
        var conversation = messages.Where(m => m.Role != ChatRole.System && !string.IsNullOrWhiteSpace(m.Text)).ToList();
        if (conversation.Count == 0 || conversation[^1].Role != ChatRole.User)
        {
            throw Refused("there is no user message to send");
        }

        var message = conversation[^1].Text;
        if (conversation.Count == 1)
        {
            return message;
        }

        var composed = new StringBuilder("Earlier in this conversation, before this agent's last turn:\n");
        foreach (var earlier in conversation.Take(conversation.Count - 1))
        {
            composed.Append(earlier.Role == ChatRole.User ? "User: " : "Assistant: ").Append(earlier.Text).Append('\n');
        }

        return composed.Append("\nThe user now says:\n").Append(message).ToString();
    }

    private async Task<string> CreateSessionAsync(string engine, string userId, Action<HttpRequestMessage> authorize, CancellationToken cancellationToken)
    {
        var create = new JsonObject
        {
            ["class_method"] = "async_create_session",
            ["input"] = new JsonObject { ["user_id"] = userId },
        };
        using var response = await http.PostAsync($"{engine}:query", create, authorize, What, cancellationToken);
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(GoogleProvider.Name, $"The connection to {What} was lost while creating a session: {ex.Message}", innerException: ex);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("output", out var output) && GoogleErrors.Text(output, "id") is { Length: > 0 } id)
            {
                return id;
            }
        }
        catch (JsonException ex)
        {
            throw GoogleErrors.Malformed(What, text, ex);
        }

        throw new ProviderException(GoogleProvider.Name, $"{What} created no session (no output.id in its answer to async_create_session); is the engine an ADK agent?", transient: false);
    }

    // The location becomes part of a host name and the ids part of a path that carries a bearer token: both are
    // checked so that a request field can never point the token somewhere else.
    private string EngineUrl(ChatOptions? options)
    {
        var engineId = Context(options, RunContextKeys.ReasoningEngineId) ?? throw Refused("the run names no reasoning_engine_id");
        var location = Context(options, RunContextKeys.Location) ?? settings.Location;
        if (!LocationPattern().IsMatch(location))
        {
            throw Refused($"location '{location}' is not a Google Cloud region (for example us-central1)");
        }

        if (!IdPattern().IsMatch(engineId))
        {
            throw Refused($"reasoning_engine_id '{engineId}' is not an engine id (the last segment of projects/…/reasoningEngines/ID)");
        }

        var project = settings.Project ?? throw Refused("GOOGLE_CLOUD_PROJECT is not set");
        var vertexBase = settings.VertexBaseUrl ?? $"https://{location}-aiplatform.googleapis.com";
        return $"{vertexBase}/v1/projects/{Uri.EscapeDataString(project)}/locations/{location}/reasoningEngines/{engineId}";
    }

    private static string? Context(ChatOptions? options, string key) =>
        options?.AdditionalProperties?.TryGetValue(key, out var value) == true
            ? (value switch
            {
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } json => json.GetString(),
                _ => null,
            }) is { Length: > 0 } text ? text.Trim() : null
            : null;

    private static ProviderException Refused(string why) =>
        new(GoogleProvider.Name, $"Cannot call {What}: {why}.", transient: false);

    private static async IAsyncEnumerable<string> ReadLinesAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}$")]
    private static partial Regex LocationPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex IdPattern();
}
