using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 10: runs have a status; a run whose process died becomes interrupted at the next start.</summary>
public sealed class Rule10RunStatusTests
{
    [Fact]
    public async Task Finished_run_is_recorded_succeeded_with_its_usage()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));
        var stored = await app.Get<IRunStore>().GetRunAsync(app.SandboxId, run.RunId, default);
        Assert.NotNull(stored);
        Assert.Equal((RunStatus.Succeeded, "end_turn"), (stored.Status, stored.StopReason));
        Assert.Contains("\"output_tokens\"", stored.UsageJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_left_running_by_a_dead_process_is_interrupted_at_the_next_start_and_its_turns_survive()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        string sandbox, windowId;
        using (var first = new PortageApp(dataFolder: folder))
        {
            var done = await first.RunAsync(Runs.Body("committed"));
            sandbox = first.SandboxId;
            windowId = done.WindowId;
            var now = DateTimeOffset.UtcNow;
            var orphan = new RunRecord("run_orphan", sandbox, "u-123", windowId, done.SessionId, "echo", "echo-1", RunStatus.Running, now);
            await first.Get<IRunStore>().StartRunAsync(new RunStart(orphan, null,
                [new NewTurn(TurnRole.User, "User", "echo", "echo-1", "run_orphan", RunStatus.Succeeded, now, 1, [TurnPart.OfText("cut off")])]), default);
        }

        using var second = new PortageApp(dataFolder: folder);
        _ = second.Credentials;
        var run = await second.Get<IRunStore>().GetRunAsync(sandbox, "run_orphan", default);
        Assert.Equal(RunStatus.Interrupted, run!.Status);
        var turns = await second.TurnsAsync(windowId);
        Assert.Equal(["succeeded", "succeeded", "succeeded", "interrupted"], turns.EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        var next = await second.RunAsync(Runs.Body("still there?"));
        Assert.Equal(windowId, next.WindowId);
        // The cut-off user message and the new one reach the provider joined, so user and assistant still alternate.
        Assert.Contains("received 2 prior turns", next.Text, StringComparison.Ordinal);
        Assert.Contains("You said: \"cut off\n\nstill there?\"", next.Text, StringComparison.Ordinal);

        // The ingest worker may still be writing conversation memory: stop the host before removing its folder.
        second.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
