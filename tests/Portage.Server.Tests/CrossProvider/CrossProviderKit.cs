using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.CrossProvider;

/// <summary>
/// One fake per provider (anthropic, google, openai) and the router pointed at all three, the way the providers are
/// configured in production: <c>Providers:Anthropic:BaseUrl</c> is the root without /v1, <c>Providers:Google:BaseUrl</c>
/// the root, <c>Providers:OpenAI:BaseUrl</c> the root with /v1.
/// </summary>
internal sealed class ProviderFakes : IAsyncDisposable
{
    public const string AnthropicPath = "/v1/messages";
    public const string GeminiPath = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    public const string OpenAIPath = "/v1/chat/completions";

    private ProviderFakes(FakeProviderServer anthropic, FakeProviderServer google, FakeProviderServer openai)
    {
        Anthropic = anthropic;
        Google = google;
        OpenAI = openai;
    }

    public FakeProviderServer Anthropic { get; }

    public FakeProviderServer Google { get; }

    public FakeProviderServer OpenAI { get; }

    public static async Task<ProviderFakes> StartAsync() =>
        new(await FakeProviderServer.StartAsync(), await FakeProviderServer.StartAsync(), await FakeProviderServer.StartAsync());

    /// <summary>The router with all three providers configured, the weather tool registered, plus <paramref name="settings"/>.</summary>
    public PortageApp App(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Providers:Anthropic:ApiKey"] = "test-anthropic-key",
            ["Providers:Anthropic:BaseUrl"] = Anthropic.BaseUrl,
            ["Providers:Google:ApiKey"] = "test-gemini-key",
            ["Providers:Google:BaseUrl"] = Google.BaseUrl,
            ["Providers:OpenAI:ApiKey"] = "test-openai-key",
            ["Providers:OpenAI:BaseUrl"] = OpenAI.BaseUrl + "/v1",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new PortageApp(settings: all, tools: [new WeatherService()]);
    }

    /// <summary>Every request body the three fakes received, with the provider that received it.</summary>
    public IEnumerable<(string Provider, JsonNode Body)> AllBodies() =>
        Anthropic.Requests.Select(r => ("anthropic", Parse(r)))
            .Concat(Google.Requests.Select(r => ("google", Parse(r))))
            .Concat(OpenAI.Requests.Select(r => ("openai", Parse(r))));

    public async ValueTask DisposeAsync()
    {
        await Anthropic.DisposeAsync();
        await Google.DisposeAsync();
        await OpenAI.DisposeAsync();
    }

    /// <summary>An anthropic transcript as the Messages API streams it.</summary>
    public static FakeResponse AnthropicStream(string transcript) => FakeResponse.Sse(Transcripts.Read(transcript), "text/event-stream; charset=utf-8");

    /// <summary>A Gemini or OpenAI transcript as a plain event stream.</summary>
    public static FakeResponse EventStream(string transcript) => FakeResponse.Sse(Transcripts.Read(transcript));

    public static JsonNode Parse(RecordedRequest request) => JsonNode.Parse(request.Body)!;
}

/// <summary>
/// get_weather as a tool that returns the weather service's JSON as it came over the wire (the way an HTTP- or
/// MCP-backed tool does), so the result the router records is exactly the service's compact JSON.
/// </summary>
internal sealed class WeatherService : AIFunction
{
    public const string SanFrancisco = """{"location":"San Francisco, CA","temperature_c":15,"sky":"fog"}""";
    public const string Paris = """{"location":"Paris","temperature_c":18,"sky":"clear"}""";

    private static readonly JsonElement s_schema = JsonDocument.Parse(
        """{"type":"object","properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"}},"required":["location"]}""").RootElement.Clone();

    public override string Name => "get_weather";

    public override string Description => "Get the current weather in a given location";

    public override JsonElement JsonSchema => s_schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var location = arguments.TryGetValue("location", out var value) ? value?.ToString() : null;
        var json = location == "San Francisco, CA" ? SanFrancisco : Paris;
        return ValueTask.FromResult<object?>(JsonDocument.Parse(json).RootElement.Clone());
    }
}

/// <summary>Assertions on the bodies the fakes received.</summary>
internal static class WireAssert
{
    private static readonly JsonSerializerOptions s_readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The request went to <paramref name="path"/> and its body is exactly <paramref name="expected"/> (as JSON; member order aside).</summary>
    public static void Body(string path, string expected, RecordedRequest actual, string what)
    {
        Assert.True(path == actual.PathAndQuery, $"{what}: sent to {actual.PathAndQuery}, expected {path}");
        Json(expected, ProviderFakes.Parse(actual), what);
    }

    /// <summary>Exactly equal as JSON values, else a failure naming the first difference and showing both documents.</summary>
    public static void Json(string expected, JsonNode? actual, string what)
    {
        var wanted = JsonNode.Parse(expected);
        if (JsonNode.DeepEquals(wanted, actual))
        {
            return;
        }

        Assert.Fail($"""
            {what}: the body differs from the expected one.
            First difference: {FirstDifference(wanted, actual, "$")}
            Expected:
            {wanted?.ToJsonString(s_readable)}
            Actual:
            {actual?.ToJsonString(s_readable)}
            """);
    }

    /// <summary>The conversation's roles (system aside) alternate, starting and ending with the user.</summary>
    public static void Alternates(string provider, JsonNode body)
    {
        var items = body[provider == "google" ? "contents" : "messages"]!.AsArray();
        var roles = items.Select(m => (string)m!["role"]!).Where(r => r != "system").ToList();
        for (var i = 0; i < roles.Count; i++)
        {
            Assert.True(roles[i] == "user" == (i % 2 == 0), $"{provider}: roles do not alternate: {string.Join(", ", roles)}");
        }

        Assert.True(roles.Count % 2 == 1, $"{provider}: the last message is not the user's: {string.Join(", ", roles)}");
    }

    /// <summary>
    /// Rule 6, never an orphan: every tool result in a body answers a call of the message right before it (and every
    /// call is answered), and every tool call rendered as text carries its outcome.
    /// </summary>
    public static void NoOrphans(string provider, JsonNode body)
    {
        switch (provider)
        {
            case "anthropic":
                AnthropicPairs(body["messages"]!.AsArray());
                break;
            case "google":
                GeminiPairs(body["contents"]!.AsArray());
                break;
            case "openai":
                OpenAIPairs(body["messages"]!.AsArray());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }

        foreach (var text in Texts(body))
        {
            var calls = text.Split("[tool call ")[1..];
            Assert.All(calls, call => Assert.Matches(@"^\S+ \{.*\} → \S", call));
        }
    }

    private static void AnthropicPairs(JsonArray messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var uses = Blocks(messages[i], "tool_use").Select(b => (string)b["id"]!).ToList();
            var results = Blocks(messages[i], "tool_result").Select(b => (string)b["tool_use_id"]!).ToList();
            if (results.Count > 0)
            {
                var previous = i > 0 ? Blocks(messages[i - 1], "tool_use").Select(b => (string)b["id"]!).ToList() : [];
                Assert.True(results.All(previous.Contains), $"anthropic messages[{i}]: tool_result {string.Join(",", results)} without its tool_use in the message before");
            }

            if (uses.Count > 0)
            {
                var answered = i + 1 < messages.Count ? Blocks(messages[i + 1], "tool_result").Select(b => (string)b["tool_use_id"]!).ToList() : [];
                Assert.True(uses.All(answered.Contains), $"anthropic messages[{i}]: tool_use {string.Join(",", uses)} not answered by the next message");
            }
        }
    }

    private static IEnumerable<JsonNode> Blocks(JsonNode? message, string type) =>
        message?["content"] is JsonArray blocks ? blocks.OfType<JsonNode>().Where(b => (string?)b["type"] == type) : [];

    private static void GeminiPairs(JsonArray contents)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            var responses = Parts(contents[i], "functionResponse").Select(p => (string)p["name"]!).ToList();
            if (responses.Count > 0)
            {
                var calls = i > 0 && (string?)contents[i - 1]!["role"] == "model" ? Parts(contents[i - 1], "functionCall").Select(p => (string)p["name"]!).ToList() : [];
                Assert.True(responses.All(calls.Contains), $"google contents[{i}]: functionResponse {string.Join(",", responses)} without its functionCall in the model turn before");
            }
        }
    }

    private static IEnumerable<JsonNode> Parts(JsonNode? content, string kind) =>
        content?["parts"] is JsonArray parts ? parts.OfType<JsonNode>().Select(p => p[kind]).OfType<JsonNode>() : [];

    private static void OpenAIPairs(JsonArray messages)
    {
        var open = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            var role = (string)messages[i]!["role"]!;
            if (role == "tool")
            {
                var id = (string)messages[i]!["tool_call_id"]!;
                Assert.True(open.Remove(id), $"openai messages[{i}]: tool result {id} without its call in the assistant message before");
                continue;
            }

            Assert.True(open.Count == 0, $"openai messages[{i}]: tool calls {string.Join(",", open)} not answered");
            open = messages[i]!["tool_calls"] is JsonArray calls ? [.. calls.Select(c => (string)c!["id"]!)] : [];
        }

        Assert.True(open.Count == 0, $"openai: tool calls {string.Join(",", open)} not answered");
    }

    // Every string in the body that holds rendered conversation text.
    private static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key is "text" or "content" && p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? [s] : Texts(p.Value)),
        JsonArray a => a.SelectMany(Texts),
        _ => [],
    };

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!e.ContainsKey(name) || !a.ContainsKey(name))
                    {
                        return $"{path}.{name} is {(e.ContainsKey(name) ? "missing" : "unexpected")}";
                    }

                    if (!JsonNode.DeepEquals(e[name], a[name]))
                    {
                        return FirstDifference(e[name], a[name], $"{path}.{name}");
                    }
                }

                break;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Min(e.Count, a.Count); i++)
                {
                    if (!JsonNode.DeepEquals(e[i], a[i]))
                    {
                        return FirstDifference(e[i], a[i], $"{path}[{i}]");
                    }
                }

                return $"{path} has {a.Count} items, expected {e.Count}";
            default:
                break;
        }

        return $"{path}: expected {expected?.ToJsonString(s_readable) ?? "null"}, got {actual?.ToJsonString(s_readable) ?? "null"}";
    }
}
