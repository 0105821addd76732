namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Session_is_found_only_in_its_sandbox_and_for_its_end_user()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1", endUserId: UserA);
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "hello");

        Assert.Equal(session, await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
        Assert.Equal(session, await Sessions.GetSessionAsync(SandboxA, "sess_1", null, None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_1", UserB, None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxB, "sess_1", null, None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxB, "sess_1", UserA, None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_nope", null, None));
    }

    [Fact]
    public async Task Latest_session_is_the_most_recently_active_one_of_that_provider_and_model()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var other = await CreateWindowAsync("ds_2");
        var older = Session("sess_old", window, "echo", "echo-1", T0.AddMinutes(1));
        var newer = Session("sess_new", window, "echo", "echo-1", T0.AddMinutes(2));
        var otherModel = Session("sess_model", window, "echo", "echo-2", T0.AddMinutes(3));
        var otherProvider = Session("sess_mirror", window, "mirror", "echo-1", T0.AddMinutes(4));
        var otherWindow = Session("sess_window", other, "echo", "echo-1", T0.AddMinutes(5));
        var i = 0;
        foreach (var session in new[] { older, newer, otherModel, otherProvider, otherWindow })
        {
            await StartAsync(Run($"run_{++i}", session.WindowId == "ds_1" ? window : other, session, session.CreatedAt), session, newSession: true, "hi");
        }

        Assert.Equal(newer, await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-1", None));
        Assert.Equal(otherModel, await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-2", None));
        Assert.Equal(otherProvider, await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "mirror", "echo-1", None));
        Assert.Null(await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "anthropic", "echo-1", None));
        Assert.Null(await Sessions.FindLatestSessionAsync(SandboxB, "ds_1", "echo", "echo-1", None));
    }

    [Fact]
    public async Task Latest_session_follows_the_end_of_a_run()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var first = Session("sess_1", window, at: T0.AddMinutes(1));
        var second = Session("sess_2", window, at: T0.AddMinutes(2));
        var firstRun = Run("run_1", window, first, T0.AddMinutes(1));
        await StartAsync(firstRun, first, newSession: true, "one");
        await StartAsync(Run("run_2", window, second, T0.AddMinutes(2)), second, newSession: true, "two");

        await Runs.EndRunAsync(End(firstRun, T0.AddMinutes(3)), None);

        Assert.Equal("sess_1", (await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-1", None))?.Id);
    }

    [Fact]
    public async Task Sessions_of_a_window_are_listed_oldest_first()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var other = await CreateWindowAsync("ds_2");
        var second = Session("sess_b", window, "mirror", "echo-1", T0.AddMinutes(2));
        var first = Session("sess_a", window, "echo", "echo-1", T0.AddMinutes(1));
        var elsewhere = Session("sess_c", other, "echo", "echo-1", T0.AddMinutes(3));
        await StartAsync(Run("run_1", window, second, second.CreatedAt), second, newSession: true, "hi");
        await StartAsync(Run("run_2", window, first, first.CreatedAt), first, newSession: true, "hi");
        await StartAsync(Run("run_3", other, elsewhere, elsewhere.CreatedAt), elsewhere, newSession: true, "hi");

        Assert.Equal([first, second], await Sessions.ListSessionsAsync(SandboxA, "ds_1", None));
        Assert.Empty(await Sessions.ListSessionsAsync(SandboxB, "ds_1", None));
    }
}
