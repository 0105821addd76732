using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portage.Core.Sessions;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Budget;

/// <summary>
/// Issue 13, item 1: a run's input stays within its model's budget on every path (the continued session's native
/// replay, a fresh session's rendered window, the catch-up turns), the oldest exchanges going first; a message that
/// cannot fit alone is 400 <c>message_too_large</c> before anything is stored. Echo's model, echo-1, has a context of
/// 32,000 tokens and keeps 4,096 back for its answer (the <c>Models</c> table in appsettings.json).
/// </summary>
public sealed class ContextBudgetTests
{
    private const int EchoInputBudget = 32_000 - 4_096;

    [Fact]
    public async Task Long_turns_on_one_end_user_stay_within_echos_budget_on_every_path_and_every_turn_answers()
    {
        // The truncation path (compaction off): AutomaticCompactionTests covers the same conversation with summaries.
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Compaction:Enabled"] = "false" });
        var inputs = new List<(string Provider, long Input)>();
        var echoSessions = new List<string>();
        // Five thousand tokens a message: without a budget the tenth turn would send over 45,000.
        var plan = Enumerable.Repeat("echo", 6).Concat(Enumerable.Repeat("mirror", 3)).Concat(Enumerable.Repeat("echo", 3)).ToList();
        string? windowId = null;
        for (var i = 0; i < plan.Count; i++)
        {
            var run = await app.RunAsync(Runs.Body($"turn {i}: " + new string((char)('a' + i), 20_000), endUser: "long-talker", provider: plan[i]));

            Assert.True(run.Finished, $"turn {i} on {plan[i]}: {run.Terminal.Json}");
            inputs.Add((plan[i], run.Terminal.Json.GetProperty("usage").GetProperty("input_tokens").GetInt64()));
            windowId ??= run.WindowId;
            Assert.Equal(windowId, run.WindowId);
            if (plan[i] == "echo")
            {
                echoSessions.Add(run.SessionId);
            }
        }

        Assert.All(inputs, turn => Assert.InRange(turn.Input, 1, EchoInputBudget));
        // The budget drops old exchanges, not the conversation: later turns still carry several earlier ones.
        Assert.All(inputs.Skip(5), turn => Assert.True(turn.Input > 15_000, $"{turn.Provider} sent only {turn.Input} tokens"));
        // The echo turns after the mirror ones continued the same session: native replay plus catch-up, both fitted.
        Assert.Single(echoSessions.Distinct());
        Assert.Equal(plan.Count * 2, (await app.TurnsAsync(windowId!)).GetArrayLength());

        // The stored transcript is what was sent, so it stays within the budget too instead of growing every turn.
        var session = await app.Get<ISessionStore>().GetSessionAsync(app.SandboxId, echoSessions[0], null, CancellationToken.None);
        Assert.InRange(session!.WholeTranscriptJson.Length, 1, EchoInputBudget * 4 * 11 / 10);
    }

    [Fact]
    public async Task A_message_too_large_for_the_model_alone_is_400_naming_the_model_and_its_limit_and_stores_nothing()
    {
        using var app = new PortageApp();
        var tooLarge = new string('x', 120_000);

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body(tooLarge, endUser: "newcomer"));

        Assert.Equal((400, "message_too_large"), (status, error));
        Assert.Contains("echo model echo-1", detail, StringComparison.Ordinal);
        Assert.Contains("a context of 32,000 tokens", detail, StringComparison.Ordinal);
        Assert.Empty(await app.ListIdsAsync("?kind=ephemeral&end_user_id=newcomer"));
        Assert.Empty(await RunsOfAsync(app, "newcomer"));
    }

    [Fact]
    public async Task A_message_too_large_in_an_existing_conversation_leaves_its_window_and_runs_as_they_were()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("hello", endUser: "regular"));

        var (status, error, _) = await app.RunErrorAsync(Runs.Body(new string('x', 120_000), endUser: "regular", session: first.SessionId));
        var after = await app.RunAsync(Runs.Body("still there?", endUser: "regular"));

        Assert.Equal((400, "message_too_large"), (status, error));
        Assert.True(after.Finished);
        Assert.Equal(first.WindowId, after.WindowId);
        Assert.Equal(4, (await app.TurnsAsync(first.WindowId)).GetArrayLength());
        Assert.Equal(2, (await RunsOfAsync(app, "regular")).Length);
    }

    [Fact]
    public async Task Max_tokens_below_the_models_output_limit_leaves_room_for_a_larger_message()
    {
        using var app = new PortageApp();
        // 29,000 tokens: over 32,000 less echo-1's 4,096 of output, within it less a max_tokens of 1,000.
        var body = Runs.Body(new string('x', 116_000), endUser: "terse");

        var (status, error, _) = await app.RunErrorAsync(body);
        body["max_tokens"] = 1_000;
        var run = await app.RunAsync(body);

        Assert.Equal((400, "message_too_large"), (status, error));
        Assert.True(run.Finished, run.Terminal.Json.ToString());
    }

    [Fact]
    public async Task A_model_table_entry_that_cannot_be_right_stops_the_start_naming_its_key()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        await using var server = PortageServer.Build(
            ["--urls=http://127.0.0.1:0", $"--Portage:DataFolder={folder}", "--Models:Providers:echo:echo-1:MaxOutputTokens=40000"]);

        try
        {
            var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => server.StartAsync());

            Assert.Contains(failure.Failures, f => f.StartsWith("Models:Providers:echo:echo-1:MaxOutputTokens", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<JsonElement[]> RunsOfAsync(PortageApp app, string endUser) =>
        [.. (await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs?end_user_id={endUser}"))
            .GetProperty("runs").EnumerateArray()];
}
