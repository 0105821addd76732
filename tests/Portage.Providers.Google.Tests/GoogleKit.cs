using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Providers.Google.AgentEngine;
using Portage.Providers.Google.Gemini;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>Predictable ids: <c>call_1</c>, <c>call_2</c>, …</summary>
internal sealed class SequentialIds : IIdGenerator
{
    private int _next;

    public string NewId(string prefix) => $"{prefix}_{Interlocked.Increment(ref _next)}";
}

/// <summary>The Google clients pointed at a fake server, and JSON assertions.</summary>
internal static class GoogleKit
{
    public const string ApiKey = "test-gemini-key";
    public const string AccessToken = "test-access-token";

    public static GeminiChatClient Gemini(FakeProviderServer fake, string model = "gemini-2.5-flash") =>
        new(new GoogleHttp(TimeProvider.System, TimeSpan.FromMinutes(1)), fake.BaseUrl, ApiKey, model, new SequentialIds());

    public static AgentEngineChatClient Engine(FakeProviderServer fake, string project = "my-project") =>
        new(new GoogleHttp(TimeProvider.System, TimeSpan.FromMinutes(1)),
            new GoogleSettings { Project = project, VertexBaseUrl = fake.BaseUrl, AccessToken = AccessToken },
            new StaticAccessToken(AccessToken));

    public static ChatOptions EngineOptions(string engineId = "1234567890", string? location = "europe-west4", string? session = null, string endUser = "u-1") => new()
    {
        ConversationId = session,
        AdditionalProperties = new AdditionalPropertiesDictionary
        {
            [RunContextKeys.EndUserId] = endUser,
            [RunContextKeys.ProviderUserId] = endUser,
            [RunContextKeys.ReasoningEngineId] = engineId,
            [RunContextKeys.Location] = location,
        },
    };

    public static async Task<List<ChatResponseUpdate>> CollectAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    public static List<T> All<T>(this IEnumerable<ChatResponseUpdate> updates) => [.. updates.SelectMany(u => u.Contents).OfType<T>()];

    /// <summary>Asserts two JSON documents are equal (object member order aside), printing both when not.</summary>
    public static void JsonEqual(string expected, string actual) => JsonEqual(JsonNode.Parse(expected), JsonNode.Parse(actual));

    public static void JsonEqual(JsonNode? expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {expected?.ToJsonString()}\nActual:   {actual?.ToJsonString()}");
        }
    }

    /// <summary>A request body as JSON.</summary>
    public static JsonObject Body(this RecordedRequest request) => JsonNode.Parse(request.Body)!.AsObject();

    /// <summary>The messages as Core stores and reloads a transcript: through MEAI's JSON.</summary>
    public static List<ChatMessage> RoundTrip(IEnumerable<ChatMessage> messages) =>
        JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(messages.ToList(), AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;

    /// <summary>SSE frames from JSON objects, LF separated (the fake splits them into flushed chunks).</summary>
    public static string Sse(params string[] frames) => string.Concat(frames.Select(f => $"data: {f}\n\n"));
}
