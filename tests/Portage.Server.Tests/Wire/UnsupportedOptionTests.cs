using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>
/// A run request asking for model behaviour Portage does not honour yet is refused with 400 <c>unsupported_option</c>
/// naming the field, so a caller never believes a setting took effect; any other unknown field is still ignored.
/// </summary>
public sealed class UnsupportedOptionTests : IClassFixture<UnsupportedOptionTests.App>
{
    private readonly App _fixture;

    public UnsupportedOptionTests(App fixture) => _fixture = fixture;

    public sealed class App : IDisposable
    {
        public PortageApp Portage { get; } = new();

        public void Dispose() => Portage.Dispose();
    }

    [Theory]
    [InlineData("temperature", "0.2")]
    [InlineData("top_p", "0.9")]
    [InlineData("top_k", "40")]
    [InlineData("stop", "[\"\\n\"]")]
    [InlineData("stop_sequences", "[\"END\"]")]
    [InlineData("seed", "7")]
    [InlineData("tools", """[{"type":"function","function":{"name":"f","parameters":{}}}]""")]
    [InlineData("tool_choice", "\"auto\"")]
    [InlineData("response_format", """{"type":"json_object"}""")]
    [InlineData("reasoning", """{"effort":"high"}""")]
    [InlineData("reasoning_effort", "\"low\"")]
    [InlineData("thinking", """{"type":"enabled","budget_tokens":1024}""")]
    [InlineData("frequency_penalty", "0.5")]
    [InlineData("presence_penalty", "0.5")]
    [InlineData("logit_bias", """{"50256":-100}""")]
    public async Task A_setting_portage_would_ignore_is_refused_naming_the_field(string field, string value)
    {
        var (status, error, detail) = await PostAsync(Run(extra: $",\"{field}\":{value}"));

        Assert.Equal((400, "unsupported_option"), (status, error));
        Assert.StartsWith($"'{field}' is not supported yet: Portage would ignore it", detail, StringComparison.Ordinal);
        Assert.Contains($"Remove '{field}'", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}""", "image")]
    [InlineData("""{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}""", "image_url")]
    [InlineData("""{"type":"input_image","image_url":"https://example.com/a.png"}""", "input_image")]
    [InlineData("""{"type":"input_audio","input_audio":{"data":"UklG","format":"wav"}}""", "input_audio")]
    public async Task An_image_or_other_non_text_block_in_content_is_refused_naming_the_block(string block, string type)
    {
        var (status, error, detail) = await PostAsync(Run($$"""[{"role":"user","content":"first"},{"role":"user","content":[{"type":"text","text":"What is this?"},{{block}}]}]"""));

        Assert.Equal((400, "unsupported_option"), (status, error));
        Assert.StartsWith($"'messages[1].content[1]' is {type} content, which is not supported yet", detail, StringComparison.Ordinal);
        Assert.Contains("\"content\": \"Hello\"", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_beside_the_content_are_refused_too()
    {
        var (status, error, detail) = await PostAsync(Run("""[{"role":"user","content":"What is this?","images":["iVBOR"]}]"""));

        Assert.Equal((400, "unsupported_option"), (status, error));
        Assert.StartsWith("'messages[0].images' is images content", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_blocks_are_not_the_contract_content_is_a_string()
    {
        var (status, error, detail) = await PostAsync(Run("""[{"role":"user","content":[{"type":"text","text":"hi"}]}]"""));

        Assert.Equal((400, "invalid_json"), (status, error));
        Assert.Equal("messages[0].content: expected a string, got an array; for example \"content\": \"Hello\"", detail);
    }

    [Fact]
    public async Task An_unsupported_setting_is_named_before_a_type_error_elsewhere()
    {
        var (status, error, detail) = await PostAsync(Run("""[{"role":"user","content":{"oops":1}}]""", ",\"temperature\":0"));

        Assert.Equal((400, "unsupported_option"), (status, error));
        Assert.Contains("'temperature'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setting_sent_as_null_asks_for_nothing_and_the_run_goes_ahead()
    {
        var result = await RunAsync(Run(extra: ",\"temperature\":null,\"tools\":null,\"response_format\":null"));

        Assert.Equal("agent_finish", result.Terminal.Event);
    }

    [Fact]
    public async Task Other_unknown_fields_such_as_stream_are_still_ignored()
    {
        var result = await RunAsync(Run(extra: ",\"stream\":true,\"metadata\":{\"trace\":\"t-1\"},\"user\":\"someone\",\"x_client\":{\"temperature\":1}"));

        Assert.Equal("agent_finish", result.Terminal.Event);
        Assert.Contains("hi", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_body_a_copass_client_sends_still_runs()
    {
        // As @copass/agent-router's run() writes it (JSON.stringify drops the undefined session_id, reasoning_engine_id, location).
        const string copass = """{"provider":"echo","model":"echo-1","system_prompt":"You are helpful.","messages":[{"role":"user","content":"hi"}],"end_user_id":"user-42"}""";

        var result = await RunAsync(copass);

        Assert.Equal("agent_finish", result.Terminal.Event);
    }

    private static string Run(string messages = """[{"role":"user","content":"hi"}]""", string extra = "") =>
        $$"""{"provider":"echo","model":"","system_prompt":"s","messages":{{messages}},"end_user_id":"u-1","new_window":true{{extra}}}""";

    private async Task<(int Status, string Error, string Detail)> PostAsync(string body)
    {
        using var response = await _fixture.Portage.Client.PostAsync(_fixture.Portage.RunPath(), Json(body));
        return await Runs.ErrorOf(response);
    }

    private async Task<RunResult> RunAsync(string body) =>
        new(await SseFrames.RunAsync(_fixture.Portage.Client, _fixture.Portage.RunPath(), JsonDocument.Parse(body).RootElement));

    private static StringContent Json(string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
