using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Portage.Testing;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// Refusals on <c>/v1</c>: OpenAI's error shape with Portage's status codes, as the official SDK reads them, and nothing
/// recorded even when the request names a <c>user</c>.
/// </summary>
public sealed class ChatCompletionErrorTests
{
    private static readonly ChatCompletionOptions s_asUser = new() { EndUserId = "u-bad" };

    [Theory]
    [InlineData("nope/some-model")]
    [InlineData("gpt-4o-mini")]
    public async Task An_unknown_model_is_404_model_not_found(string model)
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetChatClient(model).CompleteChatAsync([new UserChatMessage("Hello")], s_asUser));

        Assert.Equal(404, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "model_not_found", "model");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task A_provider_without_credentials_is_400_provider_not_configured_naming_what_to_set()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetChatClient("anthropic/claude-sonnet-4-6").CompleteChatAsync([new UserChatMessage("Hello")], s_asUser));

        Assert.Equal(400, refused.Status);
        var error = OpenAIKit.Error(refused);
        OpenAIKit.AssertShape(error, "provider_not_configured", "model");
        Assert.Contains("ANTHROPIC_API_KEY", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task A_bad_key_is_401_in_OpenAIs_shape()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app, key: "ptg_not-a-key").GetChatClient("echo").CompleteChatAsync([new UserChatMessage("Hello")], s_asUser));

        Assert.Equal(401, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "unauthorized");

        using var anonymous = app.CreateClient();
        using var missing = await anonymous.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        OpenAIKit.AssertShape(await ErrorOf(missing), "unauthorized");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task An_option_Portage_would_not_pass_on_is_400_unsupported_parameter_naming_it()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetChatClient("echo").CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { EndUserId = "u-bad", Temperature = 0.2f }));

        Assert.Equal(400, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "unsupported_parameter", "temperature");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Theory]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": [", "invalid_json", null)]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": \"Hello\"}", "invalid_json", null)]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\"}", "invalid_messages", "messages")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}", "invalid_messages", "messages")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": [{\"role\": \"user\", \"content\": \"  \"}]}", "invalid_messages", "messages[0].content")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": [{\"role\": \"tool\", \"content\": \"42\", \"tool_call_id\": \"c1\"}]}", "unsupported_parameter", "messages[0].role")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/y.png\"}}]}]}", "unsupported_parameter", "messages[0].content[0]")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}", "unsupported_parameter", "tools")]
    [InlineData("{\"model\": \"echo\", \"user\": \"not valid!\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}", "invalid_end_user_id", "user")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-bad\", \"max_tokens\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}", "invalid_max_tokens", "max_tokens")]
    public async Task A_malformed_or_unsupported_body_is_400_in_OpenAIs_shape_and_records_nothing(string body, string code, string? param)
    {
        using var app = new PortageApp();
        using var client = app.Client;
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        OpenAIKit.AssertShape(await ErrorOf(response), code, param);
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task Values_that_ask_for_nothing_pass_the_screen()
    {
        using var app = new PortageApp();
        using var client = app.Client;
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "echo", n = 1, tools = Array.Empty<object>(), tool_choice = "none", temperature = (double?)null,
            response_format = new { type = "text" }, logprobs = false, metadata = new { app = "test" }, store = false,
            messages = new object[] { new { role = "developer", content = "Be brief." }, new { role = "user", content = new[] { new { type = "text", text = "Hi" } } } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("Echo (model echo-1) received 0 prior turns. You said: \"Hi\".", completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sandbox_the_key_does_not_own_and_an_unknown_v1_route_are_404_in_OpenAIs_shape()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app, sandboxId: "sb_not_mine").GetChatClient("echo").CompleteChatAsync([new UserChatMessage("Hello")], s_asUser));
        Assert.Equal(404, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "sandbox_not_found");

        using var client = app.Client;
        using var unknown = await client.GetAsync("/v1/assistants");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        OpenAIKit.AssertShape(await ErrorOf(unknown), "not_found");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal(new MediaTypeHeaderValue("application/json"), new MediaTypeHeaderValue(response.Content.Headers.ContentType!.MediaType!));
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
    }
}
