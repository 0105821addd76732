using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    // Every store is one object behind all seams; the Responses API's is the run store's.
    private IResponseStore Responses => (IResponseStore)Runs;

    [Fact]
    public async Task A_runs_response_details_are_written_with_its_start_and_read_back_in_its_sandbox_only()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        var details = new ResponseDetails("Answer briefly.", "resp_0", """{"topic":"greeting"}""");

        await Runs.StartRunAsync(new RunStart(run, session, [UserTurn("run_1", "hello", T0)]) { Response = details }, None);

        Assert.Equal(new ResponseRecord("run_1", SandboxA, details, null), await Responses.GetResponseAsync(SandboxA, "run_1", None));
        Assert.Null(await Responses.GetResponseAsync(SandboxB, "run_1", None));
        await StartAsync(Run("run_2", window, session, T0.AddMinutes(1)), session, newSession: false, "plain run");
        Assert.Null(await Responses.GetResponseAsync(SandboxA, "run_2", None));
    }

    [Fact]
    public async Task Deleting_a_response_keeps_its_first_deletion_time_and_works_for_a_run_without_details()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var details = new ResponseDetails(null, null, null);
        await Runs.StartRunAsync(new RunStart(Run("run_1", window, session, T0), session, [UserTurn("run_1", "hello", T0)]) { Response = details }, None);
        await StartAsync(Run("run_2", window, session, T0.AddMinutes(1)), session, newSession: false, "plain run");

        await Responses.DeleteResponseAsync(SandboxA, "run_1", T0.AddMinutes(5), None);
        await Responses.DeleteResponseAsync(SandboxA, "run_1", T0.AddMinutes(9), None);
        await Responses.DeleteResponseAsync(SandboxA, "run_2", T0.AddMinutes(6), None);

        Assert.Equal(T0.AddMinutes(5), (await Responses.GetResponseAsync(SandboxA, "run_1", None))!.DeletedAt);
        Assert.Equal(new ResponseRecord("run_2", SandboxA, details, T0.AddMinutes(6)), await Responses.GetResponseAsync(SandboxA, "run_2", None));
        Assert.Equal(2, (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None)).Count);
    }

    [Fact]
    public async Task The_turns_of_a_run_are_its_user_turns_and_its_answer_in_order_and_no_other_runs()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var first = Run("run_1", window, session, T0);
        await StartAsync(first, session, newSession: true, "one", "two");
        await Runs.EndRunAsync(End(first, T0.AddMinutes(1), parts: TurnPart.OfText("answer one")), None);
        var second = Run("run_2", window, session, T0.AddMinutes(2));
        await StartAsync(second, session, newSession: false, "three");
        await Runs.EndRunAsync(End(second, T0.AddMinutes(3), parts: TurnPart.OfText("answer two")), None);

        var turns = await Responses.ListRunTurnsAsync(SandboxA, "ds_1", "run_1", None);

        Assert.Equal([(TurnRole.User, "one"), (TurnRole.User, "two"), (TurnRole.Assistant, "answer one")], turns.Select(t => (t.Role, t.Text)));
        Assert.Empty(await Responses.ListRunTurnsAsync(SandboxB, "ds_1", "run_1", None));
        Assert.Equal(RunStatus.Succeeded, turns[^1].Status);
    }
}
