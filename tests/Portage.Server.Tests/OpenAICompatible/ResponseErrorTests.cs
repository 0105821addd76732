using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;
using Portage.Testing;

#pragma warning disable OPENAI001 // The Responses client of the official SDK is marked for evaluation.

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// Refusals on <c>/v1/responses</c>: OpenAI's error shape with Portage's status codes, and nothing recorded — no run, no
/// end user, no window — when the request is refused.
/// </summary>
public sealed class ResponseErrorTests
{
    [Theory]
    [InlineData("nope/some-model")]
    [InlineData("gpt-4o-mini")]
    public async Task An_unknown_model_is_404_model_not_found_and_records_nothing(string model)
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetResponsesClient().CreateResponseAsync(ResponsesTests.Options(model, "Hello")));

        Assert.Equal(404, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "model_not_found", "model");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task A_request_without_user_is_400_naming_user_and_records_nothing()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetResponsesClient().CreateResponseAsync(new CreateResponseOptions("echo", [ResponseItem.CreateUserMessageItem("Hello")])));

        Assert.Equal(400, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "invalid_end_user_id", "user");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task Safety_identifier_names_the_end_user_when_user_is_absent()
    {
        using var app = new PortageApp();
        var options = new CreateResponseOptions("echo", [ResponseItem.CreateUserMessageItem("Hello")]) { SafetyIdentifier = "u-safe" };

        var response = (await OpenAIKit.Client(app).GetResponsesClient().CreateResponseAsync(options)).Value;

        Assert.Equal("u-safe", OpenAIKit.Raw(await OpenAIKit.Client(app).GetResponsesClient().GetResponseAsync(response.Id)).GetProperty("user").GetString());
    }

    [Fact]
    public async Task An_unknown_previous_response_id_is_404_and_records_nothing()
    {
        using var app = new PortageApp();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAIKit.Client(app).GetResponsesClient().CreateResponseAsync(ResponsesTests.Options("echo", "Hello", previous: "resp_nothing")));

        Assert.Equal(404, refused.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(refused), "previous_response_not_found", "previous_response_id");
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task Another_end_users_response_id_is_404_as_a_missing_one_and_adds_nothing_to_their_window()
    {
        using var app = new PortageApp();
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var theirs = (await client.CreateResponseAsync(ResponsesTests.Options("echo", "Secret plans", user: "u-alice"))).Value;

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CreateResponseAsync(ResponsesTests.Options("echo", "What were the plans?", previous: theirs.Id, user: "u-mallory")));

        Assert.Equal(404, refused.Status);
        Assert.Equal("previous_response_not_found", OpenAIKit.Error(refused).GetProperty("code").GetString());
        using var http = app.Client;
        var users = await http.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users");
        Assert.Equal(["u-alice"], users.GetProperty("end_users").EnumerateArray().Select(u => u.GetProperty("end_user_id").GetString()));
        var window = OpenAIKit.Raw(await client.GetResponseAsync(theirs.Id)).GetProperty("conversation").GetProperty("id").GetString()!;
        Assert.Equal(2, (await app.TurnsAsync(window, "u-alice")).GetArrayLength());
    }

    [Theory]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\"", "invalid_json")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\"}", "invalid_input")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "invalid_input")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": [{\"type\": \"function_call_output\", \"call_id\": \"c\", \"output\": \"x\"}]}", "unsupported_parameter")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": \"Hi\", \"temperature\": 0.2}", "unsupported_parameter")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": \"Hi\", \"tools\": [{\"type\": \"function\", \"name\": \"f\"}]}", "unsupported_parameter")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u 1\", \"input\": \"Hi\"}", "invalid_end_user_id")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": \"Hi\", \"previous_response_id\": \"resp_x\", \"conversation\": \"src_x\"}", "invalid_parameter")]
    [InlineData("{\"model\": \"echo\", \"user\": \"u-1\", \"input\": \"Hi\", \"previous_response_id\": \"resp_x\", \"store\": false}", "unsupported_parameter")]
    public async Task A_malformed_or_unsupported_request_is_400_in_OpenAIs_shape_and_records_nothing(string body, string code)
    {
        using var app = new PortageApp();
        using var http = app.Client;
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var reply = await http.PostAsync("/v1/responses", content);

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        var error = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        OpenAIKit.AssertShape(error, code);
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task An_unknown_response_id_is_404_on_get_input_items_and_delete()
    {
        using var app = new PortageApp();
        using var http = app.Client;
        foreach (var path in new[] { "/v1/responses/resp_missing", "/v1/responses/resp_missing/input_items", "/v1/responses/not-an-id" })
        {
            using var reply = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, reply.StatusCode);
            OpenAIKit.AssertShape((await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error"), "response_not_found");
        }

        using var deleted = await http.DeleteAsync("/v1/responses/resp_missing");
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
    }
}
