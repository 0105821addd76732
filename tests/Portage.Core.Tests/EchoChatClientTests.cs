using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Portage.Core.Providers;

namespace Portage.Core.Tests;

public sealed class EchoChatClientTests
{
    private static readonly ChatMessage[] s_conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "hi"),
        new(ChatRole.Assistant, "Hello there"),
        new(ChatRole.User, "What did I say?"),
    ];

    [Fact]
    public async Task Answer_comes_in_several_deltas()
    {
        var updates = await StreamAsync(Echo(), s_conversation);

        var deltas = updates.Where(u => u.Contents.OfType<TextContent>().Any()).ToList();
        Assert.True(deltas.Count >= 3, $"expected several deltas, got {deltas.Count}");
        Assert.All(deltas, d => Assert.NotEqual("", d.Text));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
    }

    [Fact]
    public async Task Answer_states_model_prior_turns_last_user_message_and_previous_answer()
    {
        var updates = await StreamAsync(Echo(), s_conversation, new ChatOptions { ModelId = "echo-test" });

        Assert.Equal(
            "echo (model echo-test) received 2 prior turns. You said: \"What did I say?\". My previous answer was: \"Hello there\".",
            TextOf(updates));
        Assert.All(updates, u => Assert.Equal("echo-test", u.ModelId));
    }

    [Fact]
    public async Task First_turn_says_the_conversation_starts_and_uses_the_default_model()
    {
        var updates = await StreamAsync(Echo(), [new ChatMessage(ChatRole.User, "hi")]);

        Assert.Equal("echo (model echo-1) received 0 prior turns. You said: \"hi\". This is the start of our conversation.", TextOf(updates));
    }

    [Fact]
    public async Task One_prior_turn_is_counted_in_the_singular()
    {
        var updates = await StreamAsync(Echo(), [new ChatMessage(ChatRole.User, "first"), new ChatMessage(ChatRole.User, "second")]);

        Assert.StartsWith("echo (model echo-1) received 1 prior turn. You said: \"second\".", TextOf(updates), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_names_the_provider_it_runs_as()
    {
        var updates = await StreamAsync(new EchoChatClient("mirror", TimeSpan.Zero, TimeProvider.System), [new ChatMessage(ChatRole.User, "hi")]);

        Assert.StartsWith("mirror (model echo-1)", TextOf(updates), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Previous_answer_is_quoted_cut_to_200_characters()
    {
        var longAnswer = "line one\n" + new string('x', 400);
        ChatMessage[] messages = [new(ChatRole.User, "a"), new(ChatRole.Assistant, longAnswer), new(ChatRole.User, "b")];

        var text = TextOf(await StreamAsync(Echo(), messages));

        var flat = "line one " + new string('x', 400);
        Assert.EndsWith($"My previous answer was: \"{flat[..EchoChatClient.QuoteLimit]}…\".", text, StringComparison.Ordinal);
        Assert.Equal(200, EchoChatClient.QuoteLimit);
    }

    [Fact]
    public async Task Previous_answer_skips_empty_answers()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, "a"), new(ChatRole.Assistant, "real answer"),
            new(ChatRole.User, "b"), new(ChatRole.Assistant, ""),
            new(ChatRole.User, "c"),
        ];

        var text = TextOf(await StreamAsync(Echo(), messages));

        Assert.EndsWith("My previous answer was: \"real answer\".", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_is_reported_with_the_finish_reason()
    {
        var updates = await StreamAsync(Echo(), s_conversation);

        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        var expectedInput = s_conversation.Sum(m => TokenEstimator.Estimate(m.Text));
        var expectedOutput = TokenEstimator.Estimate(TextOf(updates));
        Assert.Equal(expectedInput, usage.InputTokenCount);
        Assert.Equal(expectedOutput, usage.OutputTokenCount);
        Assert.Equal(expectedInput + expectedOutput, usage.TotalTokenCount);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Same_input_gives_the_same_output()
    {
        var first = await StreamAsync(Echo(), s_conversation);
        var second = await StreamAsync(Echo(), s_conversation);

        Assert.Equal(first.Select(u => u.Text), second.Select(u => u.Text));
        Assert.Equal(first.Select(u => u.ResponseId), second.Select(u => u.ResponseId));
    }

    [Fact]
    public async Task Non_streaming_response_is_the_whole_answer()
    {
        var response = await Echo().GetResponseAsync(s_conversation);

        Assert.Equal(TextOf(await StreamAsync(Echo(), s_conversation)), response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.NotNull(response.Usage);
    }

    [Fact]
    public async Task Cancelled_token_stops_the_stream_before_any_delta()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => StreamAsync(Echo(), s_conversation, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_the_next_delta()
    {
        using var cts = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Echo().GetStreamingResponseAsync(s_conversation, cancellationToken: cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, received);
    }

    [Fact]
    public async Task Pause_between_deltas_runs_on_the_given_clock()
    {
        var time = new FakeTimeProvider();
        var client = new EchoChatClient("echo", TimeSpan.FromSeconds(1), time);
        await using var updates = client.GetStreamingResponseAsync(s_conversation).GetAsyncEnumerator();

        var next = updates.MoveNextAsync();
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await next);
        Assert.NotEqual("", updates.Current.Text);
    }

    [Fact]
    public async Task Cancelling_during_a_pause_stops_the_stream()
    {
        var time = new FakeTimeProvider();
        var client = new EchoChatClient("echo", TimeSpan.FromSeconds(1), time);
        using var cts = new CancellationTokenSource();
        await using var updates = client.GetStreamingResponseAsync(s_conversation, cancellationToken: cts.Token).GetAsyncEnumerator();

        var next = updates.MoveNextAsync();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
    }

    [Fact]
    public void Client_is_its_own_service()
    {
        using var client = Echo();

        Assert.Same(client, client.GetService(typeof(EchoChatClient)));
        Assert.Same(client, client.GetService(typeof(IChatClient)));
        Assert.Null(client.GetService(typeof(IChatClient), "key"));
        Assert.Null(client.GetService(typeof(string)));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("abcd", 1)]
    [InlineData("abcde", 2)]
    public void Token_estimate_is_four_characters_a_token_rounded_up(string? text, int expected)
    {
        Assert.Equal(expected, TokenEstimator.Estimate(text));
    }

    private static EchoChatClient Echo() => new("echo", TimeSpan.Zero, TimeProvider.System);

    private static async Task<List<ChatResponseUpdate>> StreamAsync(EchoChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    private static string TextOf(IEnumerable<ChatResponseUpdate> updates) => string.Concat(updates.Select(u => u.Text));
}
