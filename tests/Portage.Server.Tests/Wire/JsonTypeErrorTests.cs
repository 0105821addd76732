using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Portage.Protocol;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>
/// A JSON value of the wrong type is a 400 <c>invalid_json</c> naming the field, what it must be, what was sent and an
/// example, on every endpoint that reads a JSON body, and never a .NET type name.
/// </summary>
public sealed class JsonTypeErrorTests : IClassFixture<JsonTypeErrorTests.App>
{
    private readonly App _fixture;

    public JsonTypeErrorTests(App fixture) => _fixture = fixture;

    public sealed class App : IDisposable
    {
        public PortageApp Portage { get; } = new();

        public void Dispose() => Portage.Dispose();
    }

    [Fact]
    public async Task An_object_as_message_content_says_the_field_a_string_and_an_example()
    {
        var detail = await InvalidJsonAsync(_fixture.Portage.RunPath(), Run("""[{"role":"user","content":{"text":"hi"}}]"""));

        Assert.Equal("messages[0].content: expected a string, got an object; for example \"content\": \"Hello\"", detail);
    }

    [Fact]
    public async Task A_string_as_messages_asks_for_an_array_of_messages()
    {
        var detail = await InvalidJsonAsync(_fixture.Portage.RunPath(), Run("\"hi\""));

        Assert.Equal("""messages: expected an array of objects, got a string; for example "messages": [{"role": "user", "content": "Hello"}]""", detail);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public async Task A_max_tokens_that_is_no_whole_number_in_range_shows_the_value(string value)
    {
        var detail = await InvalidJsonAsync(_fixture.Portage.RunPath(), Run(extra: $",\"max_tokens\":{value}"));

        Assert.StartsWith($"max_tokens: expected an integer, got {value} (not a whole number in range)", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("\"run\"", "a string")]
    [InlineData("42", "a number")]
    public async Task A_body_that_is_not_an_object_says_so(string body, string got)
    {
        var detail = await InvalidJsonAsync(_fixture.Portage.RunPath(), body);

        Assert.StartsWith($"the request body: expected an object, got {got}; for example {{\"provider\": \"echo\"", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_says_where_it_breaks()
    {
        var detail = await InvalidJsonAsync(_fixture.Portage.RunPath(), "{\n  \"provider\": \"echo\",\n  \"model\": }");

        Assert.StartsWith("The request body is not valid JSON (line 3, byte 12):", detail, StringComparison.Ordinal);
        AssertNoDotNet(detail);
    }

    /// <summary>Every field of every JSON body, sent with a value of the wrong kind.</summary>
    public static TheoryData<string, string, string> WrongTypes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (path, info) in Endpoints())
        {
            foreach (var property in info.Properties.Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) != typeof(JsonElement)))
            {
                // An object is wrong for every field these bodies have (none takes an object but the JsonElement ones).
                data.Add(path, $"{{\"{property.Name}\": {{\"oops\": 1}}}}", property.Name);
                if (info.Options.GetTypeInfo(property.PropertyType).Kind == JsonTypeInfoKind.None)
                {
                    data.Add(path, $"{{\"{property.Name}\": [1]}}", property.Name);
                }
            }
        }

        // Inside arrays: the path names the element.
        data.Add("run", Run("""[{"role":"user","content":"hi"}, 7]"""), "messages[1]");
        data.Add("run", Run("""[{"role":["user"],"content":"hi"}]"""), "messages[0].role");
        data.Add("interpret", """{"items": [["a", 1]]}""", "items[0][1]");
        data.Add("discover", """{"query": "q", "history": [{"role": "user", "content": 5}]}""", "history[0].content");
        data.Add("ingest", """{"text": "t", "participants": ["a", {"b": 1}]}""", "participants[1]");
        return data;
    }

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task A_wrong_type_names_the_field_and_no_dotnet_type(string endpoint, string body, string field)
    {
        var detail = await InvalidJsonAsync(PathOf(endpoint), body);

        Assert.StartsWith(field + ": expected ", detail, StringComparison.Ordinal);
        Assert.Contains("; for example ", detail, StringComparison.Ordinal);
        AssertNoDotNet(detail);
    }

    private static IEnumerable<(string Path, JsonTypeInfo Info)> Endpoints() =>
    [
        ("run", ProtocolJson.Wire.AgentRunRequest),
        ("sandboxes", ProtocolJson.Wire.CreateSandboxRequest),
        ("api-keys", ProtocolJson.Wire.CreateApiKeyRequest),
        ("sources", ProtocolJson.Wire.RegisterDataSourceRequest),
        ("source", ProtocolJson.Wire.UpdateDataSourceRequest),
        ("purge", ProtocolJson.Wire.PurgeDataSourceRequest),
        ("ingest", ProtocolJson.Wire.IngestTextRequest),
        ("discover", ProtocolJson.Wire.RetrievalRequest),
        ("origins", ProtocolJson.Wire.OriginsRequest),
    ];

    private string PathOf(string endpoint)
    {
        var sandbox = $"/api/v1/storage/sandboxes/{_fixture.Portage.SandboxId}";
        return endpoint switch
        {
            "run" => _fixture.Portage.RunPath(),
            "sandboxes" => "/api/v1/storage/sandboxes",
            "api-keys" => "/api/v1/api-keys",
            "sources" => $"{sandbox}/sources",
            "source" => $"{sandbox}/sources/ds_none",
            "purge" => $"{sandbox}/sources/ds_none/purge",
            "ingest" => $"{sandbox}/ingest",
            "discover" or "interpret" or "origins" => $"/api/v1/query/sandboxes/{_fixture.Portage.SandboxId}/{endpoint}",
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
    }

    private static string Run(string messages = """[{"role":"user","content":"hi"}]""", string extra = "") =>
        $$"""{"provider":"echo","messages":{{messages}},"end_user_id":"u-1"{{extra}}}""";

    private async Task<string> InvalidJsonAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(path.EndsWith("/ds_none", StringComparison.Ordinal) ? HttpMethod.Patch : HttpMethod.Post, path) { Content = content };
        using var response = await _fixture.Portage.Client.SendAsync(request);
        var (status, error, detail) = await Runs.ErrorOf(response);
        Assert.True((status, error) == (400, "invalid_json"), $"{path} {body}: {status} {error}: {detail}");
        return detail;
    }

    private static void AssertNoDotNet(string detail)
    {
        foreach (var marker in new[] { "Portage.", "System.", "`1", "Path: $", "LineNumber" })
        {
            Assert.DoesNotContain(marker, detail, StringComparison.Ordinal);
        }
    }
}
