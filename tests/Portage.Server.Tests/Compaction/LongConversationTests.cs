using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.CrossProvider;
using Portage.Testing;
using Portage.Testing.Fakes.Models;

namespace Portage.Server.Tests.Compaction;

/// <summary>
/// Issue 13's acceptance: one conversation of 2,000 turns through one end user, on echo and on the anthropic, google and
/// openai fakes, switching provider and model along the way. Each fake is a model of its API that enforces a small
/// context window (its own token count, not the router's), refuses foreign thinking signatures (anthropic), calls
/// get_weather when asked about the weather, and writes the summaries when the router compacts. Every turn answers,
/// no request is refused or over its model's context, tool calls stay with their results, and the window keeps all
/// 4,000 original turns beside the compaction turns.
/// </summary>
public sealed class LongConversationTests
{
    private const int Turns = 2_000;
    private const int ContextTokens = 8_000;
    private const int MaxTokens = 800;
    private const string EndUser = "u-marathon";

    // Blocks of turns on one provider and model: every provider, and a model switch inside anthropic and openai.
    private static readonly (string Provider, string Model)[] s_schedule =
    [
        ("anthropic", "claude-haiku-4-5"), ("google", "gemini-2.5-flash"), ("openai", "gpt-4o-mini"), ("echo", "echo-1"),
        ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4.1-mini"), ("anthropic", "claude-haiku-4-5"), ("google", "gemini-2.5-pro"),
    ];

    [Fact]
    public async Task Two_thousand_turns_on_one_window_across_providers_and_models_all_answer_within_each_models_context()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        var limits = new FakeContextLimits { DefaultContextTokens = ContextTokens };
        fakes.Anthropic.Responder = new FakeMessagesModel { Limits = limits }.Answer;
        fakes.Google.Responder = new GeminiModel { Limits = limits }.Answer;
        fakes.OpenAI.Responder = new OpenAIChatModel { Limits = limits }.Answer;
        using var app = fakes.App([.. Settings()]);

        var failures = new List<string>();
        var compactions = new List<(int Turn, string Provider, JsonElement Frame)>();
        var toolCalls = new Dictionary<string, int>();
        string? window = null;
        for (var turn = 0; turn < Turns; turn++)
        {
            var (provider, model) = s_schedule[turn / 50 % s_schedule.Length];
            var body = Runs.Body(Message(turn), EndUser, provider, model: model);
            body["max_tokens"] = MaxTokens;
            var run = await app.RunAsync(body);
            if (!run.Finished)
            {
                failures.Add($"turn {turn} on {provider}/{model}: {run.Terminal.Event} {run.Terminal.Json}");
                continue;
            }

            window ??= run.WindowId;
            Assert.Equal(window, run.WindowId);
            toolCalls[provider] = toolCalls.GetValueOrDefault(provider) + run.Frames.Count(f => f.Event == "agent_tool_call");
            compactions.AddRange(run.Frames.Where(f => f.Event == "context_compacted").Select(f => (turn, provider, f.Json)));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} turns failed; the first: {string.Join("\n", failures.Take(3))}");
        Assert.Empty(limits.Refusals);
        Assert.All(limits.Inputs, input => Assert.True(
            input.InputTokens + (input.MaxTokens ?? 0) <= input.ContextTokens,
            $"{input.Model}: {input.InputTokens} + {input.MaxTokens} over its context of {input.ContextTokens}"));
        foreach (var (provider, sent) in fakes.AllBodies())
        {
            WireAssert.NoOrphans(provider, sent);
        }

        // Compaction ran on every provider, tool calls happened throughout, and what a run sends stays flat.
        Assert.Equal(["anthropic", "echo", "google", "openai"], compactions.Select(c => c.Provider).Distinct().Order());
        Assert.All(["anthropic", "google", "openai"], p => Assert.True(toolCalls.GetValueOrDefault(p) >= 20, $"{p}: {toolCalls.GetValueOrDefault(p)} tool calls"));
        Assert.All(compactions, c => Assert.True(
            c.Frame.GetProperty("tokens_after").GetInt32() < c.Frame.GetProperty("tokens_before").GetInt32(), $"turn {c.Turn}: {c.Frame}"));

        // The window keeps all 4,000 original turns, in order, and one compaction turn per frame at the seq it named.
        var turns = await AllTurnsAsync(app, window!);
        var originals = turns.Where(t => t.GetProperty("role").GetString() != "compaction").ToList();
        Assert.Equal(2 * Turns, originals.Count);
        Assert.Equal(Enumerable.Range(0, Turns).Select(Message), originals.Where(t => t.GetProperty("role").GetString() == "user").Select(Text));
        var summaries = turns.Where(t => t.GetProperty("role").GetString() == "compaction").ToList();
        Assert.Equal(compactions.Select(c => c.Frame.GetProperty("summary_seq").GetInt64()), summaries.Select(t => t.GetProperty("seq").GetInt64()));
        Assert.Equal(turns.Select(t => t.GetProperty("seq").GetInt64()).Order(), turns.Select(t => t.GetProperty("seq").GetInt64()));
    }

    private static IEnumerable<(string Key, string Value)> Settings()
    {
        foreach (var (provider, model) in s_schedule.Distinct())
        {
            yield return ($"Models:Providers:{provider}:{model}:ContextTokens", ContextTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return ($"Models:Providers:{provider}:{model}:MaxOutputTokens", "1000");
        }
    }

    // Varied lengths (50 to ~900 tokens), and every seventh turn asks about the weather (a tool call on the fakes).
    private static string Message(int turn) =>
        $"Turn {turn}: " + string.Concat(Enumerable.Repeat($"note {turn} ", 1 + turn % 9 * 50))
        + (turn % 7 == 3 ? " What is the weather in Paris?" : "");

    private static string Text(JsonElement turn) =>
        string.Concat(turn.GetProperty("parts").EnumerateArray().Where(p => p.GetProperty("type").GetString() == "text").Select(p => p.GetProperty("text").GetString()));

    private static async Task<List<JsonElement>> AllTurnsAsync(PortageApp app, string window)
    {
        var all = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await app.Client.GetFromJsonAsync<JsonElement>(
                $"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{window}/turns?end_user_id={EndUser}&limit=500&after_seq={after}");
            all.AddRange(page.GetProperty("turns").EnumerateArray());
            if (!page.GetProperty("has_more").GetBoolean())
            {
                return all;
            }

            after = page.GetProperty("next_after_seq").GetInt64();
        }
    }
}
