using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;
using Portage.Server.Tests.Console;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Copass;

/// <summary>
/// <c>GET …/agents/runs/{run_id}</c> answers copass-compat §7.8's <c>AgentRun</c> fields beside Portage's own, computed
/// from the stored run, its answer turn and its session.
/// </summary>
public sealed class AgentRunShapeTests
{
    private static readonly string[] s_agentRun =
    [
        "run_id:string", "sandbox_id:string", "status:string", "output_text:string?", "tokens_in:integer?", "tokens_out:integer?",
        "cost_microcents:integer?", "duration_ms:integer?", "error_message:string?", "started_at:string?", "finished_at:string?",
        "provider_session_id:string?",
    ];

    [Fact]
    public async Task A_finished_run_has_its_answer_tokens_cost_times_and_the_session_to_continue()
    {
        using var app = PricedApp(new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.Text(ct, "It is ", "42.") });
        var run = await app.RunAsync(Runs.Body("what is it?", provider: "scripted"));

        var (status, json) = await app.GetJsonAsync(app.RunsPath() + "/" + run.RunId);

        Assert.Equal(200, status);
        CopassShape.AssertFields(json, s_agentRun);
        Assert.Equal(("succeeded", "It is 42.", run.Text), (json.Str("status"), json.Str("output_text"), json.Str("output_text")));
        var usage = run.Terminal.Json.GetProperty("usage");
        Assert.Equal(usage.Long("input_tokens") + usage.Long("cache_read_input_tokens") + usage.Long("cache_creation_input_tokens"), json.Long("tokens_in"));
        Assert.Equal((10L, 5L), (json.Long("tokens_in"), json.Long("tokens_out")));
        Assert.Equal((usage.Long("cost_microcents"), 105L), (json.Long("cost_microcents"), json.Long("cost_microcents")));
        Assert.Equal(json.GetProperty("ended_at").GetDateTimeOffset(), json.GetProperty("finished_at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("error_message").ValueKind);
        Assert.Equal(run.Terminal.Json.Str("session_id"), json.Str("provider_session_id"));
        // Portage's own fields stay.
        Assert.Equal((run.WindowId, run.SessionId), (json.Str("context_window_id"), json.Str("session_id")));
        Assert.Equal(usage.Long("output_tokens"), json.GetProperty("usage").Long("output_tokens"));
    }

    [Fact]
    public async Task A_failed_run_has_its_partial_answer_and_error_message()
    {
        using var app = PricedApp(new ScriptedChatClient { Script = (_, _, ct) => FailAfterFirstToken(ct) });
        var run = await app.RunAsync(Runs.Body("go", provider: "scripted"));

        var json = (await app.GetJsonAsync(app.RunsPath() + "/" + run.RunId)).Json;

        CopassShape.AssertFields(json, s_agentRun);
        Assert.Equal(("failed", "Half an ans"), (json.Str("status"), json.Str("output_text")));
        Assert.Equal(json.Str("error"), json.Str("error_message"));
        Assert.Contains("upstream went away", json.Str("error_message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_run_has_no_answer_tokens_or_finish_yet_and_a_purged_window_leaves_no_answer()
    {
        using var app = new PortageApp();
        var done = await app.RunAsync(Runs.Body("hello"));
        var now = DateTimeOffset.UtcNow;
        var running = new RunRecord("run_running", app.SandboxId, "u-123", done.WindowId, done.SessionId, "echo", "echo-1", RunStatus.Running, now);
        await app.Get<IRunStore>().StartRunAsync(new RunStart(running, null,
            [new NewTurn(TurnRole.User, "User", "echo", "echo-1", "run_running", RunStatus.Succeeded, now, 1, [TurnPart.OfText("still thinking")])]), default);

        var json = (await app.GetJsonAsync(app.RunsPath() + "/run_running")).Json;

        CopassShape.AssertFields(json, s_agentRun);
        Assert.Equal("running", json.Str("status"));
        Assert.All(["output_text", "tokens_in", "tokens_out", "cost_microcents", "duration_ms", "finished_at"],
            name => Assert.Equal(JsonValueKind.Null, json.GetProperty(name).ValueKind));
        Assert.Equal(done.SessionId, json.Str("provider_session_id"));

        var before = (await app.GetJsonAsync(app.RunsPath() + "/" + done.RunId)).Json;
        Assert.Equal(done.Text, before.Str("output_text"));
        await app.Get<IRunStore>().InterruptOrphanedRunsAsync(DateTimeOffset.UtcNow, allRunning: true, default);
        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(done.WindowId, "purge"), null)).Status);
        var after = (await app.GetJsonAsync(app.RunsPath() + "/" + done.RunId)).Json;
        Assert.Equal(JsonValueKind.Null, after.GetProperty("output_text").ValueKind);
        Assert.Equal(done.SessionId, after.Str("provider_session_id"));
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> FailAfterFirstToken([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Half an ans");
        throw new HttpRequestException("upstream went away");
    }

    private static PortageApp PricedApp(ScriptedChatClient client) => new([Providers.Scripted(client)], new Dictionary<string, string?>
    {
        ["Pricing:Providers:scripted:scripted-model:InputPerMillion"] = "3",
        ["Pricing:Providers:scripted:scripted-model:OutputPerMillion"] = "15",
    });
}
