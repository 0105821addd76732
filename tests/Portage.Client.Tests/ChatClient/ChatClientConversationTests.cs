using Microsoft.Extensions.AI;
using Portage.Client.Tests.Fakes;
using Portage.Testing;

namespace Portage.Client.Tests.ChatClient;

/// <summary>
/// <see cref="AgentRouter.AsChatClient"/> inside a Microsoft.Extensions.AI pipeline (function invocation and logging)
/// against the real router in process: three turns of one message each, threaded by <see cref="ChatOptions.ConversationId"/>,
/// the third on another provider; the offline models say how many prior turns they received.
/// </summary>
public sealed class ChatClientConversationTests
{
    private const string EndUser = "u-meai";

    [Fact]
    public async Task Three_turns_of_one_message_keep_memory_across_a_provider_switch()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var logs = new ListLoggerFactory();
        using var chat = Pipeline(router, logs);

        var first = await chat.GetResponseAsync("What are my open GitHub issues?", new ChatOptions { Instructions = "You are a helpful agent." });
        var second = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Which ones are blocked?")], new ChatOptions { ConversationId = first.ConversationId });
        var third = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Draft a comment on the top one.")], new ChatOptions { ConversationId = second.ConversationId, ModelId = "mirror" });

        Assert.StartsWith("Echo (model echo-1) received 0 prior turns", first.Text, StringComparison.Ordinal);
        Assert.StartsWith("Echo (model echo-1) received 2 prior turns", second.Text, StringComparison.Ordinal);
        Assert.Contains($"My previous answer was: \"{first.Text}\"", second.Text, StringComparison.Ordinal);
        // Turn 3 on another provider: the same window, so mirror knows turns 1 and 2.
        Assert.StartsWith("Mirror (model mirror-1) received 4 prior turns", third.Text, StringComparison.Ordinal);
        Assert.Contains("You said: \"Draft a comment on the top one.\"", third.Text, StringComparison.Ordinal);

        Assert.StartsWith("sess_", first.ConversationId, StringComparison.Ordinal);
        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.NotNull(third.ConversationId);
        Assert.NotEqual(second.ConversationId, third.ConversationId);
        Assert.Equal(["echo/echo-1", "echo/echo-1", "mirror/mirror-1"], new[] { first, second, third }.Select(r => r.ModelId));
        Assert.All(new[] { first, second, third }, r =>
        {
            Assert.Equal(ChatFinishReason.Stop, r.FinishReason);
            Assert.StartsWith("run_", r.ResponseId, StringComparison.Ordinal);
            Assert.True(r.Usage is { InputTokenCount: > 0, OutputTokenCount: > 0 }, "usage comes from agent_finish");
            Assert.Equal(r.Usage!.InputTokenCount + r.Usage.OutputTokenCount, r.Usage.TotalTokenCount);
            Assert.Equal(ChatRole.Assistant, Assert.Single(r.Messages).Role);
        });

        var window = (string)first.AdditionalProperties!["context_window_id"]!;
        Assert.Equal(window, third.AdditionalProperties!["context_window_id"]);
        var turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, window);
        Assert.Equal(6, turns.Count);
        Assert.Contains(logs.Lines, l => l.Contains("GetResponseAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Streaming_yields_text_as_it_arrives_with_the_conversation_id_and_usage_on_the_updates()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var logs = new ListLoggerFactory();
        using var chat = Pipeline(router, logs);

        string? conversation = null;
        var texts = new List<string>();
        foreach (var (message, modelId) in new[] { ("Hello", (string?)null), ("Still there?", null), ("Now in the mirror.", "mirror/mirror-1") })
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, message)], new ChatOptions { ConversationId = conversation, ModelId = modelId }))
            {
                updates.Add(update);
            }

            Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "echo streams several deltas, each its own update");
            var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
            Assert.True(usage.Details.OutputTokenCount > 0);
            Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
            conversation = updates[^1].ConversationId;
            Assert.NotNull(conversation);
            texts.Add(string.Concat(updates.Select(u => u.Text)));

            var whole = updates.ToChatResponse();
            Assert.Equal(texts[^1], whole.Text);
            Assert.Equal(conversation, whole.ConversationId);
            Assert.NotNull(whole.Usage);
        }

        Assert.StartsWith("Echo (model echo-1) received 0 prior turns", texts[0], StringComparison.Ordinal);
        Assert.StartsWith("Echo (model echo-1) received 2 prior turns", texts[1], StringComparison.Ordinal);
        Assert.StartsWith("Mirror (model mirror-1) received 4 prior turns", texts[2], StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains("GetStreamingResponseAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_whole_history_with_the_conversation_id_sends_only_the_user_messages_after_the_last_answer()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        using var chat = Pipeline(router, new ListLoggerFactory());

        List<ChatMessage> history = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "One")];
        var first = await chat.GetResponseAsync(history);
        history.AddMessages(first);
        history.Add(new ChatMessage(ChatRole.User, "Two"));
        history.Add(new ChatMessage(ChatRole.User, "Three"));
        var second = await chat.GetResponseAsync(history, new ChatOptions { ConversationId = first.ConversationId });

        // Two prior turns (not the resent history again), and both new messages were recorded, once each.
        Assert.StartsWith("Echo (model echo-1) received 2 prior turns", second.Text, StringComparison.Ordinal);
        var turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, (string)second.AdditionalProperties!["context_window_id"]!);
        Assert.Equal(["One", "Two", "Three"], turns.Turns.Where(t => t.Role == "user").Select(t => t.Text));
    }

    [Fact]
    public async Task A_call_without_a_conversation_id_starts_a_new_window()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        using var chat = router.AsChatClient(EndUser, "echo");

        var first = await chat.GetResponseAsync("One");
        var other = await chat.GetResponseAsync("Another conversation");

        Assert.StartsWith("Echo (model echo-1) received 0 prior turns", other.Text, StringComparison.Ordinal);
        Assert.NotEqual(first.AdditionalProperties!["context_window_id"], other.AdditionalProperties!["context_window_id"]);
        var metadata = Assert.IsType<ChatClientMetadata>(chat.GetService(typeof(ChatClientMetadata)));
        Assert.Equal(("portage", "echo"), (metadata.ProviderName, metadata.DefaultModelId));
        Assert.Same(router, chat.GetService<AgentRouter>());
    }

    internal static AgentRouter Router(PortageApp app, HttpClient http) => new(new AgentRouterOptions
    {
        ApiKey = app.Credentials.ApiKey,
        SandboxId = app.SandboxId,
        HttpClient = http,
    });

    internal static IChatClient Pipeline(AgentRouter router, ListLoggerFactory logs, string provider = "echo") =>
        router.AsChatClient(EndUser, provider)
            .AsBuilder()
            .UseFunctionInvocation()
            .UseLogging(logs)
            .Build();
}
