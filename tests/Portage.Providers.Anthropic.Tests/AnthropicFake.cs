using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing.Fakes;
using Portage.Testing.Fakes.Models;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>A fake Messages API and the provider's real client pointed at it.</summary>
internal sealed class AnthropicFake : IAsyncDisposable
{
    public const string Key = "test-key";

    private AnthropicFake(FakeProviderServer server, ProviderDefinition provider)
    {
        Server = server;
        Provider = provider;
    }

    public FakeProviderServer Server { get; }

    public ProviderDefinition Provider { get; }

    public IChatClient Client => Provider.Client;

    public static async Task<AnthropicFake> StartAsync(params FakeResponse[] responses)
    {
        var server = await FakeProviderServer.StartAsync();
        server.Enqueue(responses);
        var provider = AnthropicProvider.Create(new AnthropicSettings { ApiKey = Key, BaseUrl = server.BaseUrl }, TimeProvider.System);
        return new AnthropicFake(server, provider);
    }

    /// <summary>Starts the fake with <see cref="FakeMessagesModel"/> answering every request nothing is queued for.</summary>
    public static async Task<AnthropicFake> StartModelAsync(AnthropicSettings? settings = null, FakeContextLimits? limits = null)
    {
        var server = await FakeProviderServer.StartAsync();
        server.Responder = new FakeMessagesModel { Limits = limits ?? new() }.Answer;
        var provider = AnthropicProvider.Create((settings ?? new AnthropicSettings()) with { ApiKey = Key, BaseUrl = server.BaseUrl }, TimeProvider.System);
        return new AnthropicFake(server, provider);
    }

    /// <summary>A recorded transcript answered as a 200 event stream, the way the Messages API sends it.</summary>
    public static FakeResponse Stream(string name) =>
        FakeResponse.Sse(Transcripts.Read("anthropic/" + name), "text/event-stream; charset=utf-8");

    /// <summary>An error answer in the API's error shape.</summary>
    public static FakeResponse Error(int status, string type, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        FakeResponse.Json(status, $$"""{"type":"error","error":{"type":"{{type}}","message":"{{message}}"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""", headers);

    /// <summary>Streams a whole response.</summary>
    public async Task<List<ChatResponseUpdate>> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        return updates;
    }

    /// <summary>The body of request <paramref name="index"/>.</summary>
    public JsonNode Body(int index) => JsonNode.Parse(Server.Requests[index].Body)!;

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Assertions on JSON.</summary>
internal static class JsonAssert
{
    private static readonly JsonSerializerOptions s_readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Equal as JSON values: object member order ignored, everything else exact (extra members fail too).</summary>
    public static void Equal(string expected, JsonNode? actual) =>
        Assert.Equal(Canonical(JsonNode.Parse(expected)), Canonical(actual));

    // Members sorted by name, so a failure shows the first real difference rather than an ordering one.
    private static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString(s_readable) ?? "null";

    /// <summary>A copy with object members sorted by name, leaving out members named <paramref name="leaving"/>.</summary>
    public static JsonNode? Sorted(JsonNode? node, string? leaving = null) => JsonCanonical.Sorted(node, leaving);

    /// <summary>The stored-transcript round trip Core applies between turns.</summary>
    public static List<ChatMessage> RoundTrip(IEnumerable<ChatMessage> messages) =>
        JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(messages.ToList(), AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;
}
