using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>Bad input never yields a 500: every case is a real status with {"error","detail"} that says what to do.</summary>
public sealed class BadInputTests : IClassFixture<BadInputTests.App>
{
    private readonly App _fixture;

    public BadInputTests(App fixture) => _fixture = fixture;

    public sealed class App : IDisposable
    {
        public PortageApp Portage { get; } = new();

        public string SessionOfAlice { get; }

        public App()
        {
            SessionOfAlice = Portage.RunAsync(Runs.Body("hi", "alice")).GetAwaiter().GetResult().SessionId;
        }

        public void Dispose() => Portage.Dispose();
    }

    public static TheoryData<string, string, string, int, string> Cases()
    {
        static string Run(string endUser = "u-1", string messages = """[{"role":"user","content":"hi"}]""", string extra = "") =>
            $$"""{"provider":"echo","model":"","system_prompt":"s","messages":{{messages}},"end_user_id":{{JsonSerializer.Serialize(endUser)}}{{extra}}}""";

        return new()
        {
            { "malformed JSON", "application/json", """{"provider": "echo", """, 400, "invalid_json" },
            { "JSON null", "application/json", "null", 400, "invalid_json" },
            { "empty body", "application/json", "", 400, "invalid_json" },
            { "wrong type for messages", "application/json", Run(messages: "\"hi\""), 400, "invalid_json" },
            { "wrong content type", "text/plain", Run(), 415, "unsupported_media_type" },
            { "missing messages", "application/json", """{"provider":"echo","end_user_id":"u-1"}""", 400, "invalid_messages" },
            { "empty messages", "application/json", Run(messages: "[]"), 400, "invalid_messages" },
            { "empty content", "application/json", Run(messages: """[{"role":"user","content":"  "}]"""), 400, "invalid_messages" },
            { "assistant role", "application/json", Run(messages: """[{"role":"assistant","content":"hi"}]"""), 400, "invalid_messages" },
            { "missing end_user_id", "application/json", """{"provider":"echo","messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_end_user_id" },
            { "end_user_id of 129 characters", "application/json", Run(endUser: new string('a', 129)), 400, "invalid_end_user_id" },
            { "end_user_id with a space", "application/json", Run(endUser: "u 1"), 400, "invalid_end_user_id" },
            { "end_user_id with a slash", "application/json", Run(endUser: "org/1"), 400, "invalid_end_user_id" },
            { "end_user_id with non-ASCII", "application/json", Run(endUser: "josé"), 400, "invalid_end_user_id" },
            { "unknown provider", "application/json", Run().Replace("\"echo\"", "\"nope\"", StringComparison.Ordinal), 400, "unknown_provider" },
            { "negative max_tokens", "application/json", Run(extra: ",\"max_tokens\":-1"), 400, "invalid_max_tokens" },
            { "unknown session_id", "application/json", Run(extra: ",\"session_id\":\"sess_nope\""), 404, "session_not_found" },
            { "unknown context_window_id", "application/json", Run(extra: ",\"context_window_id\":\"ds_nope\""), 404, "window_not_found" },
            { "oversize body", "application/json", Run(messages: $$"""[{"role":"user","content":"{{new string('x', 1_100_000)}}"}]"""), 413, "payload_too_large" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_run_request_gets_a_clear_error_not_a_500(string name, string contentType, string body, int status, string error)
    {
        var actual = await PostAsync(_fixture.Portage.Client, _fixture.Portage.RunPath(), contentType, body);
        Assert.True((status, error) == (actual.Status, actual.Error), $"{name}: expected {status} {error}, got {actual.Status} {actual.Error}: {actual.Detail}");
        Assert.False(string.IsNullOrWhiteSpace(actual.Detail), name);
    }

    [Fact]
    public async Task Session_of_another_end_user_is_404()
    {
        var (status, error, _) = await _fixture.Portage.RunErrorAsync(Runs.Body("hi", "mallory", session: _fixture.SessionOfAlice));
        Assert.Equal((404, "session_not_found"), (status, error));
    }

    [Fact]
    public async Task Unknown_provider_lists_the_configured_ones()
    {
        var (_, _, detail) = await _fixture.Portage.RunErrorAsync(Runs.Body("hi", provider: "nope"));
        Assert.Contains("echo", detail, StringComparison.Ordinal);
        Assert.Contains("mirror", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "No API key")]
    [InlineData("Basic abc", "not a bearer token")]
    [InlineData("Bearer ptg_wrong", "unknown, revoked or expired")]
    public async Task Missing_or_bad_key_is_401_unauthorized_with_how_to_pass_it(string? header, string hint)
    {
        using var client = _fixture.Portage.CreateClient();
        if (header is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
        }

        var actual = await PostAsync(client, _fixture.Portage.RunPath(), "application/json", "{}");
        Assert.Equal((401, "unauthorized"), (actual.Status, actual.Error));
        Assert.Contains(hint, actual.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v2/nothing")]
    [InlineData("/api/v1/report.json")]
    [InlineData("/api/v1/a%2Fb/..%2F..%2Fapi-keys")]
    public async Task Unknown_path_is_a_json_404(string path)
    {
        using var response = await _fixture.Portage.Client.GetAsync(path);
        var (status, error, _) = await Runs.ErrorOf(response);
        Assert.Equal((404, "not_found"), (status, error));
    }

    private static async Task<(int Status, string Error, string Detail)> PostAsync(HttpClient client, string path, string contentType, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await client.PostAsync(path, content);
        return await Runs.ErrorOf(response);
    }
}
