using Portage.Core;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 8 against other processes sharing the store: a continuing run takes its window's lease with its start, so
/// whatever another replica does to the window between the run's reads and that start (a turn added, a run of its
/// own) is never overwritten or missed: the start writes nothing, and the run waits for the lease and reads again.
/// </summary>
public sealed class Rule08StoreLeaseTests
{
    [Fact]
    public async Task A_turn_another_replica_adds_between_a_runs_reads_and_its_start_is_in_what_the_run_sends()
    {
        var model = new ScriptedChatClient();
        IPortageStore? store = null;
        var interleaved = 0;
        using var app = new PortageApp([Providers.Scripted(model)], services: s => StoreInterceptor.Replace<IRunStore>(s, call =>
            call is { Method: nameof(IRunStore.StartRunAsync), Args: [RunStart { TakeLease: not null } start, ..] } && Interlocked.Exchange(ref interleaved, 1) == 0
                ? AddTurnThenStartAsync(store!, start, call)
                : call.Proceed()));
        store = app.Get<IPortageStore>();

        var first = await app.RunAsync(Runs.Body("First question.", provider: "scripted"));
        var second = await app.RunAsync(Runs.Body("Second question.", provider: "scripted"));

        Assert.True(second.Finished, second.Terminal.Data);
        Assert.Equal(1, interleaved);
        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Contains(model.LastMessages, m => m.Text.Contains("Added by another replica.", StringComparison.Ordinal));
        var turns = (await app.TurnsAsync(second.WindowId)).EnumerateArray().Select(t => (t.GetProperty("seq").GetInt64(), t.GetProperty("role").GetString())).ToList();
        Assert.Equal([(1, "user"), (2, "assistant"), (3, "user"), (4, "user"), (5, "assistant")], turns);
    }

    [Fact]
    public async Task A_run_waits_for_a_lease_another_replica_holds_and_starts_once_it_is_released()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Runs:LockWaitSeconds"] = "20" });
        var first = await app.RunAsync(Runs.Body("First question."));
        var windows = app.Get<IPortageStore>();
        var now = DateTimeOffset.UtcNow;
        Assert.True(await windows.TryAcquireLeaseAsync(first.WindowId, "run_of_another_replica", now, now.AddMinutes(1), CancellationToken.None));

        var waiting = app.RunAsync(Runs.Body("Second question."));
        await Task.Delay(400);
        Assert.False(waiting.IsCompleted);
        var named = await app.RunErrorAsync(Runs.Body("Named.", session: first.SessionId));
        Assert.Equal((409, "run_in_progress"), (named.Status, named.Error));

        await windows.ReleaseLeaseAsync(first.WindowId, "run_of_another_replica", CancellationToken.None);
        var second = await waiting;
        Assert.True(second.Finished, second.Terminal.Data);
        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<long>> AddTurnThenStartAsync(IPortageStore store, RunStart start, StoreCall call)
    {
        var turn = new NewTurn(TurnRole.User, "User", null, null, null, RunStatus.Succeeded, DateTimeOffset.UtcNow, 6, [TurnPart.OfText("Added by another replica.")]);
        Assert.NotNull(await store.AppendTurnAsync(start.Run.SandboxId, start.Run.WindowId, turn, CancellationToken.None));
        return await (Task<IReadOnlyList<long>>)call.Proceed()!;
    }
}
