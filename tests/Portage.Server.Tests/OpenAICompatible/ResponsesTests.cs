using System.ComponentModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Responses;
using Portage.Server.Tests.CrossProvider;
using Portage.Server.Tests.Tools;
using Portage.Testing;
using Portage.Testing.Fakes.Models;

#pragma warning disable OPENAI001 // The Responses client of the official SDK is marked for evaluation.

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// <c>POST /v1/responses</c> driven by the official OpenAI SDK's Responses client: a conversation threaded by
/// <c>previous_response_id</c> that switches providers and keeps its memory, streamed and whole, usage, a round of a
/// tool the router runs, and the stored response read back, listed and deleted.
/// </summary>
public sealed class ResponsesTests
{
    private static readonly AIFunction Weather = AIFunctionFactory.Create(
        ([Description("A city")] string city) => new { city, temperature_c = 18 }, "get_weather", "Current weather of a city.");

    [Fact]
    public async Task Three_turns_by_previous_response_id_switch_from_echo_to_mirror_to_openai_and_turn_three_knows_turns_one_and_two()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Responder = new OpenAIChatModel().Answer;
        using var app = fakes.App();
        var client = OpenAIKit.Client(app).GetResponsesClient();

        // Turn 1, whole, on echo: a new conversation.
        var first = (await client.CreateResponseAsync(Options("echo", "What are my open GitHub issues?"))).Value;
        Assert.Equal("Echo (model echo-1) received 0 prior turns. You said: \"What are my open GitHub issues?\". This is the start of our conversation.", first.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, first.Status);
        Assert.Equal("echo/echo-1", first.Model);
        Assert.StartsWith("resp_", first.Id, StringComparison.Ordinal);
        Assert.True(first.Usage.InputTokenCount > 0 && first.Usage.OutputTokenCount > 0);
        Assert.Equal(first.Usage.InputTokenCount + first.Usage.OutputTokenCount, first.Usage.TotalTokenCount);

        // Turn 2, streamed, on mirror, sending only the new message.
        var options = Options("mirror", "Which ones are blocked?", previous: first.Id);
        options.StreamingEnabled = true;
        var text = new StringBuilder();
        var deltas = 0;
        ResponseResult? second = null;
        var kinds = new List<string>();
        await foreach (var update in client.CreateResponseStreamingAsync(options))
        {
            kinds.Add(update.GetType().Name);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
                deltas++;
            }

            if (update is StreamingResponseCompletedUpdate completed)
            {
                second = completed.Response;
            }
        }

        Assert.StartsWith("Mirror (model mirror-1) received 2 prior turns. You said: \"Which ones are blocked?\". My previous answer was: \"Echo (model echo-1)", text.ToString(), StringComparison.Ordinal);
        Assert.True(deltas > 2, $"{deltas} deltas");
        Assert.Equal(["StreamingResponseCreatedUpdate", "StreamingResponseInProgressUpdate", "StreamingResponseOutputItemAddedUpdate", "StreamingResponseContentPartAddedUpdate"], kinds[..4]);
        Assert.Equal(["StreamingResponseOutputTextDoneUpdate", "StreamingResponseContentPartDoneUpdate", "StreamingResponseOutputItemDoneUpdate", "StreamingResponseCompletedUpdate"], kinds[^4..]);
        Assert.NotNull(second);
        Assert.Equal(text.ToString(), second.GetOutputText());
        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.True(second.Usage.OutputTokenCount > 0);

        // Turn 3, whole, on the OpenAI fake: another provider, the same conversation.
        var third = (await client.CreateResponseAsync(Options("openai/gpt-4o-mini", "Draft a comment on the top one.", previous: second.Id))).Value;
        Assert.Equal("gpt-4o-mini read 5 messages; the first one said: What are my open GitHub issues?", third.GetOutputText());
        var sent = ProviderFakes.Parse(Assert.Single(fakes.OpenAI.Requests))["messages"]!.AsArray();
        Assert.Contains("Which ones are blocked?", sent.ToJsonString(), StringComparison.Ordinal);

        // One window holds the three turns, each with the provider that answered.
        var window = OpenAIKit.Raw(await client.GetResponseAsync(third.Id)).GetProperty("conversation").GetProperty("id").GetString()!;
        var turns = (await app.TurnsAsync(window, "u-resp")).EnumerateArray().ToList();
        Assert.Equal(["user echo", "assistant echo", "user mirror", "assistant mirror", "user openai", "assistant openai"],
            turns.Select(t => $"{t.GetProperty("role").GetString()} {t.GetProperty("provider").GetString()}"));
    }

    [Fact]
    public async Task A_stored_response_reads_back_lists_its_input_and_once_deleted_is_gone_but_its_turns_stay()
    {
        using var app = new PortageApp();
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var options = Options("echo", "Hello");
        options.Instructions = "Answer briefly.";
        options.Metadata["topic"] = "greeting";
        var created = (await client.CreateResponseAsync(options)).Value;

        var read = (await client.GetResponseAsync(created.Id)).Value;
        Assert.Equal(created.GetOutputText(), read.GetOutputText());
        Assert.Equal(created.Id, read.Id);
        Assert.Equal(ResponseStatus.Completed, read.Status);
        Assert.Equal("greeting", read.Metadata["topic"]);
        Assert.Equal(created.Usage.TotalTokenCount, read.Usage.TotalTokenCount);
        Assert.Equal(created.OutputItems.Select(i => i.Id), read.OutputItems.Select(i => i.Id));
        var raw = OpenAIKit.Raw(await client.GetResponseAsync(created.Id));
        Assert.Equal("Answer briefly.", raw.GetProperty("instructions").GetString());
        Assert.Equal("u-resp", raw.GetProperty("user").GetString());

        var input = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(created.Id)))
        {
            input.Add(item);
        }

        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(input));
        Assert.Equal(MessageRole.User, message.Role);
        Assert.Equal("Hello", message.Content[0].Text);

        var deleted = (await client.DeleteResponseAsync(created.Id)).Value;
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => client.GetResponseAsync(created.Id));
        Assert.Equal(404, gone.Status);
        OpenAIKit.AssertShape(OpenAIKit.Error(gone), "response_not_found");
        var window = raw.GetProperty("conversation").GetProperty("id").GetString()!;
        Assert.Equal(2, (await app.TurnsAsync(window, "u-resp")).GetArrayLength());
    }

    [Fact]
    public async Task A_tool_the_router_runs_is_an_mcp_call_item_with_its_arguments_and_output_streamed_and_stored()
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "It is 18 °C in Paris.")
            : ToolLoopTests.AskFor("call_1", "get_weather", new() { ["city"] = "Paris" }, text: "Let me check.", ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], tools: [Weather]);
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var options = Options("scripted", "Weather in Paris?");
        options.StreamingEnabled = true;

        var kinds = new List<string>();
        ResponseResult? done = null;
        await foreach (var update in client.CreateResponseStreamingAsync(options))
        {
            kinds.Add(update.GetType().Name.Replace("StreamingResponse", "", StringComparison.Ordinal).Replace("Update", "", StringComparison.Ordinal));
            done = (update as StreamingResponseCompletedUpdate)?.Response ?? done;
        }

        Assert.Equal(
            ["Created", "InProgress", "OutputItemAdded", "ContentPartAdded", "OutputTextDelta", "OutputTextDone", "ContentPartDone", "OutputItemDone",
             "OutputItemAdded", "McpCallArgumentsDelta", "McpCallArgumentsDone", "McpCallInProgress", "McpCallCompleted", "OutputItemDone",
             "OutputItemAdded", "ContentPartAdded", "OutputTextDelta", "OutputTextDone", "ContentPartDone", "OutputItemDone", "Completed"],
            kinds.Where((k, i) => k != "OutputTextDelta" || kinds[i - 1] != "OutputTextDelta"));
        Assert.NotNull(done);
        AssertToolRound(done);
        AssertToolRound((await client.GetResponseAsync(done.Id)).Value);
    }

    private static void AssertToolRound(ResponseResult response)
    {
        Assert.Equal(3, response.OutputItems.Count);
        var call = Assert.IsType<McpToolCallItem>(response.OutputItems[1]);
        Assert.Equal(("portage", "get_weather"), (call.ServerLabel, call.ToolName));
        Assert.Equal("Paris", JsonDocument.Parse(call.ToolArguments).RootElement.GetProperty("city").GetString());
        Assert.Equal(18, JsonDocument.Parse(call.ToolOutput).RootElement.GetProperty("temperature_c").GetInt32());
        Assert.Equal("Let me check.It is 18 °C in Paris.", response.GetOutputText());
    }

    [Fact]
    public async Task Store_false_answers_and_records_nothing_and_its_id_cannot_be_read_back()
    {
        using var app = new PortageApp();
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var options = Options("echo", "Hello");
        options.StoredOutputEnabled = false;

        var response = (await client.CreateResponseAsync(options)).Value;

        Assert.StartsWith("Echo (model echo-1) received 0 prior turns.", response.GetOutputText(), StringComparison.Ordinal);
        await OpenAIKit.AssertNothingRecordedAsync(app);
        var missing = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => client.GetResponseAsync(response.Id));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Conversation_names_a_window_and_the_response_continues_it()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("Remember the number 7.", endUser: "u-resp"));
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var options = Options("mirror", "Which number?");
        options.ConversationOptions = new ResponseConversationOptions(first.WindowId);

        var response = (await client.CreateResponseAsync(options)).Value;

        Assert.StartsWith("Mirror (model mirror-1) received 2 prior turns.", response.GetOutputText(), StringComparison.Ordinal);
        Assert.Equal(first.WindowId, OpenAIKit.Raw(await client.GetResponseAsync(response.Id)).GetProperty("conversation").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Continuing_an_older_response_after_the_conversation_went_on_is_a_conflict_naming_the_newest()
    {
        using var app = new PortageApp();
        var client = OpenAIKit.Client(app).GetResponsesClient();
        var first = (await client.CreateResponseAsync(Options("echo", "One"))).Value;
        var second = (await client.CreateResponseAsync(Options("echo", "Two", previous: first.Id))).Value;

        var refused = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => client.CreateResponseAsync(Options("echo", "Three", previous: first.Id)));

        Assert.Equal(409, refused.Status);
        var error = OpenAIKit.Error(refused);
        Assert.Equal("previous_response_superseded", error.GetProperty("code").GetString());
        Assert.Contains(second.Id, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_whole_response_over_plain_HTTP_has_the_fields_OpenAI_clients_read()
    {
        using var app = new PortageApp();
        using var http = app.Client;
        using var reply = await http.PostAsJsonAsync("/v1/responses", new { model = "echo", input = "Hi", user = "u-raw" });

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("response", body.GetProperty("object").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        var message = body.GetProperty("output")[0];
        Assert.Equal(("message", "assistant", "completed"), (message.GetProperty("type").GetString(), message.GetProperty("role").GetString(), message.GetProperty("status").GetString()));
        Assert.Equal("output_text", message.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("previous_response_id").ValueKind);
        Assert.True(body.GetProperty("usage").GetProperty("total_tokens").GetInt64() > 0);
        Assert.True(body.GetProperty("store").GetBoolean());
        var portage = body.GetProperty("portage");
        Assert.Equal(body.GetProperty("conversation").GetProperty("id").GetString(), portage.GetProperty("context_window_id").GetString());
        Assert.Equal("end_turn", portage.GetProperty("stop_reason").GetString());
    }

    internal static CreateResponseOptions Options(string model, string text, string? previous = null, string user = "u-resp") =>
        new(model, [ResponseItem.CreateUserMessageItem(text)]) { EndUserId = user, PreviousResponseId = previous };
}
