using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Portage.Core.Providers;
using Portage.Testing.Fakes;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>Builds the <c>openai</c> provider the way the router does (from configuration), pointed at a fake server.</summary>
internal static class OpenAITestClient
{
    public static ProviderDefinition Provider(IDictionary<string, string?> settings, TimeProvider? time = null) =>
        OpenAIProvider.OpenAI(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), time ?? TimeProvider.System);

    /// <summary>The provider with a key and the fake's <c>/v1</c> as its base URL.</summary>
    public static IChatClient For(FakeProviderServer fake, TimeProvider? time = null) => Provider(new Dictionary<string, string?>
    {
        ["OPENAI_API_KEY"] = "sk-test",
        ["OPENAI_BASE_URL"] = fake.BaseUrl + "/v1",
    }, time).Client;

    /// <summary>Options as Core passes them: the model always set, run context in AdditionalProperties.</summary>
    public static ChatOptions Options(IList<AITool>? tools = null) => new()
    {
        ModelId = "gpt-4o-mini",
        Tools = tools,
        AdditionalProperties = new AdditionalPropertiesDictionary
        {
            [RunContextKeys.EndUserId] = "u-123",
            [RunContextKeys.ReasoningEngineId] = null,
            [RunContextKeys.Location] = null,
        },
    };

    public static async Task<List<ChatResponseUpdate>> CollectAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options ?? Options(), cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    /// <summary>Asserts two JSON texts are the same value (property order and whitespace aside).</summary>
    public static void JsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");

    public static JsonElement Json(this RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    /// <summary>A chat.completion.chunk SSE body from data payloads, ending with <c>data: [DONE]</c>.</summary>
    public static string Stream(params string[] chunks) => string.Concat(chunks.Select(c => $"data: {c}\n\n")) + "data: [DONE]\n\n";
}
