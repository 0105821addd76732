using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Portage.Core.Compaction;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Compaction;

public sealed class SummariserTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Extractive_summary_keeps_one_line_per_message_and_names_the_tools_used()
    {
        var turns = Exchange(1, "My name is Ada and I work on compilers.", "Nice to meet you, Ada.", tool: "search");

        var text = ExtractiveSummary.Write(null, turns, 500);

        Assert.Contains("- User: My name is Ada and I work on compilers.", text, StringComparison.Ordinal);
        Assert.Contains("  Answer: Nice to meet you, Ada. [tools: search]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Extractive_summary_carries_the_previous_one_and_drops_the_oldest_exchanges_beyond_its_budget()
    {
        var first = ExtractiveSummary.Write(null, Exchange(1, "first question " + new string('a', 100), "first answer"), 1000);
        var turns = Enumerable.Range(2, 40).SelectMany(i => Exchange(i * 2, $"question {i} " + new string('q', 100), $"answer {i}")).ToList();

        var text = ExtractiveSummary.Write(first, turns, 300);

        Assert.True(TokenEstimator.Estimate(text) <= 300, text);
        Assert.Contains("question 41", text, StringComparison.Ordinal);
        Assert.DoesNotContain("first question", text, StringComparison.Ordinal);
        Assert.Contains("older exchanges left out", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Extractive_summary_is_the_same_every_time()
    {
        var turns = Exchange(1, "hello", "hi");

        Assert.Equal(ExtractiveSummary.Write("prior", turns, 200), ExtractiveSummary.Write("prior", turns, 200));
    }

    [Fact]
    public async Task An_offline_provider_writes_the_extractive_summary_without_a_call()
    {
        var client = new RecordingClient(_ => "never");
        var summariser = Summariser(Provider("echo", client, free: true));

        var summary = await summariser.SummariseAsync(Provider("echo", client, free: true), "echo-1", null, Exchange(1, "hello there", "hi"), default);

        Assert.Empty(client.Calls);
        Assert.Equal("echo", summary.Provider);
        Assert.Contains("- User: hello there", summary.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_summariser_gets_the_previous_summary_and_the_turns_as_neutral_text()
    {
        var client = new RecordingClient(_ => "Ada works on compilers.");
        var provider = Provider("paid", client);
        var turns = Exchange(1, "I am Ada", "Hello Ada", tool: "discover");

        var summary = await Summariser(provider).SummariseAsync(provider, "big-model", "Earlier: greetings.", turns, default);

        Assert.Equal(("Ada works on compilers.", "paid", "big-model"), (summary.Text, summary.Provider, summary.Model));
        var call = Assert.Single(client.Calls);
        Assert.Equal("big-model", call.Options?.ModelId);
        Assert.Equal(ChatRole.System, call.Messages[0].Role);
        var prompt = call.Messages[1].Text;
        Assert.Contains("Earlier: greetings.", prompt, StringComparison.Ordinal);
        Assert.Contains("User: I am Ada", prompt, StringComparison.Ordinal);
        Assert.Contains("Assistant: [tool call discover", prompt, StringComparison.Ordinal);
        Assert.Contains("Hello Ada", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Turns_larger_than_the_summarisers_budget_are_summarised_a_part_at_a_time()
    {
        var client = new RecordingClient(n => $"summary {n}");
        var provider = Provider("paid", client, budget: 3000);
        var turns = Enumerable.Range(0, 12).SelectMany(i => Exchange(i * 2 + 1, "question " + new string('x', 2000), "answer")).ToList();

        var summary = await Summariser(provider).SummariseAsync(provider, "m", null, turns, default);

        Assert.True(client.Calls.Count > 1);
        Assert.Equal($"summary {client.Calls.Count}", summary.Text);
        Assert.Contains($"summary {client.Calls.Count - 1}", client.Calls[^1].Messages[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_call_fits_the_summarising_models_own_context_and_a_message_longer_than_a_call_keeps_its_start_and_end()
    {
        var client = new RecordingClient(n => $"summary {n}");
        var provider = Provider("paid", client, budget: 100_000);
        var models = new ModelLimits();
        models.Providers["paid"] = new(StringComparer.OrdinalIgnoreCase) { ["small"] = new ModelLimit { ContextTokens = 6000, MaxOutputTokens = 1000 } };
        var turns = Exchange(1, "START " + new string('x', 40_000) + " END", "answer")
            .Concat(Enumerable.Range(1, 10).SelectMany(i => Exchange(i * 2 + 1, "question " + new string('y', 4000), "answer"))).ToList();

        await Summariser(provider, models).SummariseAsync(provider, "small", null, turns, default);

        Assert.True(client.Calls.Count > 1);
        Assert.All(client.Calls, call => Assert.InRange(TokenEstimator.Estimate(call.Messages) + 1024, 1, 6000));
        var first = client.Calls[0].Messages[1].Text;
        Assert.Contains("User: START xxx", first, StringComparison.Ordinal);
        Assert.Contains("xxx END", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configured_summariser_writes_instead_of_the_runs_provider()
    {
        var runClient = new RecordingClient(_ => "from run provider");
        var cheap = new RecordingClient(_ => "from the cheap one");
        var run = Provider("paid", runClient);
        var summariser = new Summariser(new ProviderRegistry([run, Provider("cheap", cheap)]),
            Options.Create(new CompactionOptions { Provider = "cheap" }), Options.Create(new ModelLimits()), Options.Create(new PriceTable()));

        var summary = await summariser.SummariseAsync(run, "big", null, Exchange(1, "q", "a"), default);

        Assert.Equal(("from the cheap one", "cheap", "cheap-default"), (summary.Text, summary.Provider, summary.Model));
        Assert.Empty(runClient.Calls);
    }

    private static Summariser Summariser(ProviderDefinition provider, ModelLimits? models = null) =>
        new(new ProviderRegistry([provider]), Options.Create(new CompactionOptions()), Options.Create(models ?? new ModelLimits()), Options.Create(new PriceTable()));

    private static ProviderDefinition Provider(string name, IChatClient client, bool free = false, int budget = 100_000) => new()
    {
        Name = name,
        Client = client,
        DefaultModel = name + "-default",
        Free = free,
        ContextBudgetTokens = budget,
    };

    private static List<TurnRecord> Exchange(long seq, string question, string answer, string? tool = null)
    {
        var parts = new List<TurnPart>();
        if (tool is not null)
        {
            parts.Add(new TurnPart(TurnPartType.ToolCall, CallId: "c1", Name: tool, ArgumentsJson: """{"query":"x"}"""));
            parts.Add(new TurnPart(TurnPartType.ToolResult, CallId: "c1", Name: tool, ResultJson: "{}"));
        }

        parts.Add(TurnPart.OfText(answer));
        return
        [
            new TurnRecord("w", seq, TurnRole.User, "User", null, null, "r", RunStatus.Succeeded, T0, TokenEstimator.Estimate(question), [TurnPart.OfText(question)]),
            new TurnRecord("w", seq + 1, TurnRole.Assistant, "paid/m", "paid", "m", "r", RunStatus.Succeeded, T0, TokenEstimator.Estimate(answer), parts),
        ];
    }

    private sealed class RecordingClient(Func<int, string> answer) : IChatClient
    {
        public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls.Add((messages.ToList(), options));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(Calls.Count))));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
