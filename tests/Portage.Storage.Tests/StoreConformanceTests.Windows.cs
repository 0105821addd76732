using Portage.Core.Sources;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Created_window_is_read_back_with_every_field()
    {
        await SeedTenantsAsync();
        var window = new WindowRecord("ds_1", SandboxA, UserA, "support chat", SourceStatus.Active, null, T0, T0.AddMinutes(3), 0);

        await Windows.CreateWindowAsync(window, None);

        Assert.Equal(window, await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None));
        Assert.Equal(window, await Windows.GetWindowAsync(SandboxA, "ds_1", null, None));
    }

    [Fact]
    public async Task Times_round_trip_as_the_same_instant_whatever_their_offset()
    {
        await SeedTenantsAsync();
        var created = new DateTimeOffset(2024, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(-5));
        var active = new DateTimeOffset(2025, 1, 1, 6, 0, 0, 1, TimeSpan.FromHours(2));
        await Windows.CreateWindowAsync(new WindowRecord("ds_1", SandboxA, UserA, "w", SourceStatus.Active, null, created, active, 0), None);

        var window = await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None);

        Assert.NotNull(window);
        Assert.Equal(created.UtcTicks, window.CreatedAt.UtcTicks);
        Assert.Equal(active.UtcTicks, window.LastActiveAt.UtcTicks);
    }

    [Fact]
    public async Task Window_of_another_sandbox_is_answered_as_missing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        Assert.Null(await Windows.GetWindowAsync(SandboxB, "ds_1", null, None));
        Assert.Null(await Windows.GetWindowAsync(SandboxB, "ds_1", UserA, None));
    }

    [Fact]
    public async Task Window_of_another_end_user_is_answered_as_missing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1", endUserId: UserA);

        Assert.Null(await Windows.GetWindowAsync(SandboxA, "ds_1", UserB, None));
    }

    [Fact]
    public async Task Unknown_window_is_missing()
    {
        await SeedTenantsAsync();

        Assert.Null(await Windows.GetWindowAsync(SandboxA, "ds_nope", null, None));
    }

    [Fact]
    public async Task Active_window_is_the_most_recently_active_one()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_old", lastActiveAt: T0.AddMinutes(1));
        var newest = await CreateWindowAsync("ds_new", lastActiveAt: T0.AddMinutes(5));
        await CreateWindowAsync("ds_mid", lastActiveAt: T0.AddMinutes(3));

        Assert.Equal(newest, await Windows.FindActiveWindowAsync(SandboxA, UserA, None));
    }

    [Fact]
    public async Task Active_window_follows_the_latest_turn()
    {
        await SeedTenantsAsync();
        var older = await CreateWindowAsync("ds_old", lastActiveAt: T0.AddMinutes(1));
        await CreateWindowAsync("ds_new", lastActiveAt: T0.AddMinutes(5));
        var session = Session("sess_1", older);

        await StartAsync(Run("run_1", older, session, T0.AddMinutes(9)), session, newSession: true, "back to the old one");

        Assert.Equal("ds_old", (await Windows.FindActiveWindowAsync(SandboxA, UserA, None))?.Id);
    }

    [Fact]
    public async Task Archived_window_is_never_chosen_as_active()
    {
        await SeedTenantsAsync();
        var active = await CreateWindowAsync("ds_active", lastActiveAt: T0.AddMinutes(1));
        await CreateWindowAsync("ds_archived", lastActiveAt: T0.AddMinutes(5), status: SourceStatus.Archived, archivedReason: ArchiveReason.Explicit);
        await CreateWindowAsync("ds_swept", lastActiveAt: T0.AddMinutes(6), status: SourceStatus.Archived, archivedReason: ArchiveReason.Inactivity);
        await CreateWindowAsync("ds_closed", lastActiveAt: T0.AddMinutes(7), status: SourceStatus.Disconnected);
        await CreateWindowAsync("ds_later", lastActiveAt: T0.AddMinutes(8));
        await Windows.SetWindowStatusAsync(SandboxA, "ds_later", SourceStatus.Archived, ArchiveReason.Explicit, None);

        Assert.Equal(active, await Windows.FindActiveWindowAsync(SandboxA, UserA, None));

        await Windows.SetWindowStatusAsync(SandboxA, "ds_active", SourceStatus.Archived, ArchiveReason.Explicit, None);

        Assert.Null(await Windows.FindActiveWindowAsync(SandboxA, UserA, None));
    }

    [Fact]
    public async Task Active_window_is_never_one_of_another_end_user_or_sandbox()
    {
        await SeedTenantsAsync();
        var mine = await CreateWindowAsync("ds_mine", lastActiveAt: T0.AddMinutes(1));
        await CreateWindowAsync("ds_other_user", endUserId: UserB, lastActiveAt: T0.AddMinutes(5));
        await CreateWindowAsync("ds_other_sandbox", sandboxId: SandboxB, lastActiveAt: T0.AddMinutes(6));
        await CreateWindowAsync("ds_unbound", endUserId: null, lastActiveAt: T0.AddMinutes(7));

        Assert.Equal(mine, await Windows.FindActiveWindowAsync(SandboxA, UserA, None));
        Assert.Equal("ds_other_sandbox", (await Windows.FindActiveWindowAsync(SandboxB, UserA, None))?.Id);
        Assert.Null(await Windows.FindActiveWindowAsync(SandboxA, "u-nobody", None));
    }

    [Fact]
    public async Task Listing_windows_filters_by_end_user_and_status_newest_activity_first()
    {
        await SeedTenantsAsync();
        var a1 = await CreateWindowAsync("ds_a1", lastActiveAt: T0.AddMinutes(1));
        var a2 = await CreateWindowAsync("ds_a2", lastActiveAt: T0.AddMinutes(4), status: SourceStatus.Archived, archivedReason: ArchiveReason.Explicit);
        var a3 = await CreateWindowAsync("ds_a3", lastActiveAt: T0.AddMinutes(2));
        var b1 = await CreateWindowAsync("ds_b1", endUserId: UserB, lastActiveAt: T0.AddMinutes(3));
        await CreateWindowAsync("ds_elsewhere", sandboxId: SandboxB, lastActiveAt: T0.AddMinutes(9));

        Assert.Equal([a2, b1, a3, a1], await Windows.ListWindowsAsync(SandboxA, null, null, None));
        Assert.Equal([a2, a3, a1], await Windows.ListWindowsAsync(SandboxA, UserA, null, None));
        Assert.Equal([a3, a1], await Windows.ListWindowsAsync(SandboxA, UserA, SourceStatus.Active, None));
        Assert.Equal([a2], await Windows.ListWindowsAsync(SandboxA, null, SourceStatus.Archived, None));
        Assert.Empty(await Windows.ListWindowsAsync(SandboxA, "u-nobody", null, None));
    }

    [Fact]
    public async Task Setting_a_windows_status_keeps_the_archive_reason()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        Assert.True(await Windows.SetWindowStatusAsync(SandboxA, "ds_1", SourceStatus.Archived, ArchiveReason.Explicit, None));

        var window = await Windows.GetWindowAsync(SandboxA, "ds_1", null, None);
        Assert.Equal(SourceStatus.Archived, window?.Status);
        Assert.Equal(ArchiveReason.Explicit, window?.ArchivedReason);
        Assert.True(window?.IsClosedExplicitly);

        Assert.True(await Windows.SetWindowStatusAsync(SandboxA, "ds_1", SourceStatus.Active, null, None));

        window = await Windows.GetWindowAsync(SandboxA, "ds_1", null, None);
        Assert.Equal(SourceStatus.Active, window?.Status);
        Assert.Null(window?.ArchivedReason);
    }

    [Fact]
    public async Task Setting_the_status_of_another_sandboxs_window_changes_nothing()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");

        Assert.False(await Windows.SetWindowStatusAsync(SandboxB, "ds_1", SourceStatus.Archived, ArchiveReason.Explicit, None));
        Assert.False(await Windows.SetWindowStatusAsync(SandboxA, "ds_nope", SourceStatus.Archived, ArchiveReason.Explicit, None));
        Assert.Equal(window, await Windows.GetWindowAsync(SandboxA, "ds_1", null, None));
    }

    [Fact]
    public async Task Binding_an_end_user_only_binds_a_window_that_has_none()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_unbound", endUserId: null);
        await CreateWindowAsync("ds_bound", endUserId: UserA);

        await Windows.BindEndUserAsync(SandboxA, "ds_unbound", UserB, None);
        await Windows.BindEndUserAsync(SandboxA, "ds_bound", UserB, None);
        await Windows.BindEndUserAsync(SandboxB, "ds_unbound", UserA, None);

        Assert.Equal(UserB, (await Windows.GetWindowAsync(SandboxA, "ds_unbound", null, None))?.EndUserId);
        Assert.Equal(UserA, (await Windows.GetWindowAsync(SandboxA, "ds_bound", null, None))?.EndUserId);
    }
}
