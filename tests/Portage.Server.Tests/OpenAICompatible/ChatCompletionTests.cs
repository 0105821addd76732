using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Portage.Testing;
using Portage.Testing.Fakes.Models;
using Portage.Server.Tests.CrossProvider;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// <c>POST /v1/chat/completions</c> driven by the official OpenAI SDK: whole and streamed answers on the offline model,
/// usage, a conversation with <c>user</c> that the end user's window records across three providers, and a call
/// without <c>user</c> that records nothing.
/// </summary>
public sealed class ChatCompletionTests
{
    private const string System = "You are a helpful agent.";

    [Fact]
    public async Task A_whole_completion_on_echo_answers_in_OpenAIs_shape_with_usage_and_records_nothing_without_user()
    {
        using var app = new PortageApp();
        var chat = OpenAIKit.Client(app).GetChatClient("echo");

        var result = await chat.CompleteChatAsync([new SystemChatMessage(System), new UserChatMessage("Hello")]);

        var completion = result.Value;
        Assert.Equal("Echo (model echo-1) received 0 prior turns. You said: \"Hello\". This is the start of our conversation.", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("echo", completion.Model);
        Assert.StartsWith("chatcmpl_", completion.Id, StringComparison.Ordinal);
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        var portage = OpenAIKit.Raw(result).GetProperty("portage");
        Assert.Equal(JsonValueKind.Null, portage.GetProperty("run_id").ValueKind);
        Assert.Equal("end_turn", portage.GetProperty("stop_reason").GetString());
        Assert.Equal(0, portage.GetProperty("usage").GetProperty("cost_microcents").GetInt64());
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task A_streamed_completion_on_echo_comes_in_several_deltas_and_ends_with_its_usage()
    {
        using var app = new PortageApp();
        var chat = OpenAIKit.Client(app).GetChatClient("echo/echo-1");

        var text = new StringBuilder();
        var deltas = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new SystemChatMessage(System), new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
                deltas += part.Text.Length > 0 ? 1 : 0;
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Echo (model echo-1) received 0 prior turns. You said: \"Hello\". This is the start of our conversation.", text.ToString());
        Assert.True(deltas > 2, $"{deltas} deltas");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0 && usage.OutputTokenCount > 0);
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    [Fact]
    public async Task Three_requests_with_user_are_recorded_in_the_end_users_window_across_echo_mirror_and_openai()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Responder = new OpenAIChatModel().Answer;
        using var app = fakes.App();
        var client = OpenAIKit.Client(app);
        var options = new ChatCompletionOptions { EndUserId = "u-chat" };
        List<ChatMessage> messages = [new SystemChatMessage(System), new UserChatMessage("What are my open GitHub issues?")];

        // Turn 1, whole, on echo.
        var first = await client.GetChatClient("echo").CompleteChatAsync(messages, options);
        var answer1 = first.Value.Content[0].Text;
        Assert.Equal("Echo (model echo-1) received 0 prior turns. You said: \"What are my open GitHub issues?\". This is the start of our conversation.", answer1);
        var window = OpenAIKit.Raw(first).GetProperty("portage").GetProperty("context_window_id").GetString()!;
        Assert.Equal(OpenAIKit.Raw(first).GetProperty("portage").GetProperty("run_id").GetString(), first.Value.Id);

        // Turn 2, streamed, on mirror: the history the client sends is what the model reads.
        messages.AddRange([new AssistantChatMessage(answer1), new UserChatMessage("Which ones are blocked?")]);
        var answer2 = new StringBuilder();
        await foreach (var update in client.GetChatClient("mirror").CompleteChatStreamingAsync(messages, options))
        {
            answer2.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.StartsWith("Mirror (model mirror-1) received 2 prior turns. You said: \"Which ones are blocked?\". My previous answer was: \"Echo (model echo-1)", answer2.ToString(), StringComparison.Ordinal);

        // Turn 3, whole, on the OpenAI fake.
        messages.AddRange([new AssistantChatMessage(answer2.ToString()), new UserChatMessage("Draft a comment on the top one.")]);
        var third = await client.GetChatClient("openai/gpt-4o-mini").CompleteChatAsync(messages, options);
        Assert.Equal("gpt-4o-mini read 5 messages; the first one said: What are my open GitHub issues?", third.Value.Content[0].Text);
        Assert.Equal("openai/gpt-4o-mini", third.Value.Model);
        Assert.Equal(window, OpenAIKit.Raw(third).GetProperty("portage").GetProperty("context_window_id").GetString());
        var sent = ProviderFakes.Parse(Assert.Single(fakes.OpenAI.Requests))["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], sent.Select(m => (string)m!["role"]!));

        // The window holds each request's new message and its answer, with the provider that answered.
        var turns = (await app.TurnsAsync(window, "u-chat")).EnumerateArray().ToList();
        Assert.Equal(["user echo", "assistant echo", "user mirror", "assistant mirror", "user openai", "assistant openai"],
            turns.Select(t => $"{t.GetProperty("role").GetString()} {t.GetProperty("provider").GetString()}"));
        Assert.Equal(["What are my open GitHub issues?", answer1, "Which ones are blocked?", answer2.ToString(), "Draft a comment on the top one.", third.Value.Content[0].Text],
            turns.Select(t => t.GetProperty("text").GetString()));

        // A Portage run of the same end user continues that window: the doors share one memory.
        var run = await app.RunAsync(Runs.Body("And now?", endUser: "u-chat"));
        Assert.Equal(window, run.WindowId);
        Assert.StartsWith("Echo (model echo-1) received 6 prior turns.", run.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_without_include_usage_has_no_usage_chunk_and_ends_with_done()
    {
        using var app = new PortageApp();
        using var client = app.Client;
        var lines = await StreamLinesAsync(client, new { model = "echo", stream = true, messages = new[] { new { role = "user", content = "Hi" } } });

        Assert.Equal("data: [DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());

        var withUsage = await StreamLinesAsync(client, new
        {
            model = "echo", stream = true, stream_options = new { include_usage = true }, messages = new[] { new { role = "user", content = "Hi" } },
        });
        var last = JsonDocument.Parse(withUsage[^2]["data: ".Length..]).RootElement;
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.True(last.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task The_sandbox_header_puts_the_turn_in_another_sandbox_of_the_key()
    {
        using var app = new PortageApp();
        using var http = app.Client;
        using var created = await http.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "second" });
        var second = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandbox_id").GetString()!;

        var result = await OpenAIKit.Client(app, sandboxId: second).GetChatClient("echo")
            .CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { EndUserId = "u-2" });

        var runs = await http.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{second}/agents/runs");
        Assert.Equal(result.Value.Id, Assert.Single(runs.GetProperty("runs").EnumerateArray().ToList()).GetProperty("run_id").GetString());
        await OpenAIKit.AssertNothingRecordedAsync(app);
    }

    private static async Task<List<string>> StreamLinesAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", body);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith(':'))];
    }
}
