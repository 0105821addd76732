using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;
using Portage.Server.Tests.CrossProvider;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// A provider that refuses after the request was accepted: a whole answer becomes a 502 in OpenAI's shape, a stream ends
/// with one <c>data: {"error": …}</c> line and no <c>[DONE]</c>; with <c>user</c> the run and its user turn are kept, failed,
/// as for any run (rule 7).
/// </summary>
public sealed class ChatCompletionFailureTests
{
    private const string Refusal = """{"error":{"message":"The server had an error processing your request.","type":"invalid_request_error","param":null,"code":null}}""";

    [Fact]
    public async Task A_provider_refusal_of_a_whole_answer_is_502_and_the_users_run_is_kept_failed()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Enqueue(FakeResponse.Json(400, Refusal));
        using var app = fakes.App();

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => OpenAIKit.Client(app).GetChatClient("openai/gpt-4o-mini")
            .CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { EndUserId = "u-fail" }));

        Assert.Equal(502, refused.Status);
        var error = OpenAIKit.Error(refused);
        Assert.Equal(("server_error", "provider_error"), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains("The server had an error processing your request.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var client = app.Client;
        var run = Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs")).GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal(("failed", "u-fail"), (run.GetProperty("status").GetString(), run.GetProperty("end_user_id").GetString()));
    }

    [Fact]
    public async Task A_provider_refusal_in_a_stream_ends_it_with_an_error_line_and_no_done()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Enqueue(FakeResponse.Json(400, Refusal));
        using var app = fakes.App();
        using var client = app.Client;

        using var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "Hi" } } });
        var lines = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.DoesNotContain("data: [DONE]", lines);
        var error = JsonDocument.Parse(lines[^1]["data: ".Length..]).RootElement.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal("provider_error", error.GetProperty("code").GetString());
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }
}
