using Microsoft.Extensions.Time.Testing;
using Portage.Core.Errors;
using Portage.Core.Sources;
using Portage.Core.Tests.Fakes;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Windows;

public sealed class WindowChooserTests
{
    private const string Sandbox = "sb_1";
    private readonly FakeWindowStore _windows = new();
    private readonly FakeDataSourceStore _sources = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly WindowChooser _chooser;

    public WindowChooserTests() => _chooser = new WindowChooser(_windows, _sources, new SequentialIds(), _time);

    [Fact]
    public async Task A_named_window_is_used_and_marked_named()
    {
        var window = Add("ds_w", "alice");

        var choice = await Choose("alice", new WindowReference(window.Id, null, false));

        Assert.Equal(new WindowChoice(window, Named: true, IsNew: false), choice);
    }

    [Fact]
    public async Task Another_end_users_window_is_not_found()
    {
        Add("ds_w", "bob");

        var error = await Assert.ThrowsAsync<PortageException>(() => Choose("alice", new WindowReference("ds_w", null, false)));

        Assert.Equal((ErrorKind.NotFound, "window_not_found"), (error.Kind, error.ErrorType));
    }

    [Fact]
    public async Task A_durable_source_named_as_the_window_is_refused_as_not_a_context_window()
    {
        _sources.Sources.Add(new DataSourceRecord
        {
            Id = "ds_docs", SandboxId = Sandbox, Kind = SourceKind.Durable, Provider = "custom", Name = "docs", CreatedAt = _time.GetUtcNow(), LastActiveAt = _time.GetUtcNow(),
        });

        var error = await Assert.ThrowsAsync<PortageException>(() => Choose("alice", new WindowReference("ds_docs", null, false)));

        Assert.Equal((ErrorKind.BadRequest, "not_a_context_window"), (error.Kind, error.ErrorType));
    }

    [Fact]
    public async Task A_window_without_an_end_user_belongs_to_the_first_who_uses_it()
    {
        Add("ds_w", null);

        var choice = await Choose("alice", new WindowReference("ds_w", null, false));

        Assert.Equal("alice", choice.Window.EndUserId);
        Assert.Equal("alice", _windows.Windows["ds_w"].EndUserId);
        await Assert.ThrowsAsync<PortageException>(() => Choose("bob", new WindowReference("ds_w", null, false)));
    }

    [Fact]
    public async Task A_named_session_leads_to_its_window_and_a_missing_one_is_session_not_found()
    {
        var window = Add("ds_w", "alice");

        var choice = await Choose("alice", new WindowReference(null, "sess_1", false), sessionWindowId: window.Id);
        var error = await Assert.ThrowsAsync<PortageException>(() => Choose("alice", new WindowReference(null, "sess_gone", false)));

        Assert.Equal((window.Id, true), (choice.Window.Id, choice.Named));
        Assert.Equal((ErrorKind.NotFound, "session_not_found"), (error.Kind, error.ErrorType));
    }

    [Fact]
    public async Task Without_a_name_the_end_users_active_window_goes_on_unnamed()
    {
        Add("ds_old", "alice", lastActive: _time.GetUtcNow().AddHours(-2));
        var latest = Add("ds_new", "alice");
        Add("ds_bob", "bob");

        var choice = await Choose("alice", new WindowReference(null, null, false));

        Assert.Equal(new WindowChoice(latest, Named: false, IsNew: false), choice);
    }

    [Fact]
    public async Task New_window_or_no_active_window_makes_a_new_one_that_is_not_stored_yet()
    {
        Add("ds_w", "alice");

        var asked = await Choose("alice", new WindowReference(null, null, NewWindow: true));
        var none = await Choose("carol", new WindowReference(null, null, false));

        Assert.True(asked.IsNew && none.IsNew);
        Assert.Equal(("alice", "carol", SourceStatus.Active), (asked.Window.EndUserId, none.Window.EndUserId, none.Window.Status));
        Assert.False(_windows.Windows.ContainsKey(asked.Window.Id));
    }

    [Theory]
    [InlineData(SourceStatus.Archived, ArchiveReason.Explicit, "window_archived")]
    [InlineData(SourceStatus.Disconnected, null, "window_archived")]
    [InlineData(SourceStatus.Paused, null, "window_paused")]
    [InlineData(SourceStatus.Error, null, "window_paused")]
    public async Task A_named_window_closed_on_purpose_or_paused_is_refused(string status, string? reason, string error)
    {
        Add("ds_w", "alice", status, reason);

        var refused = await Assert.ThrowsAsync<PortageException>(() => Choose("alice", new WindowReference("ds_w", null, false)));

        Assert.Equal((ErrorKind.Conflict, error), (refused.Kind, refused.ErrorType));
        Assert.Equal(status, _windows.Windows["ds_w"].Status);
    }

    [Fact]
    public async Task A_window_archived_for_inactivity_comes_back_active()
    {
        Add("ds_w", "alice", SourceStatus.Archived, ArchiveReason.Inactivity);

        var choice = await Choose("alice", new WindowReference("ds_w", null, false));

        Assert.Equal((SourceStatus.Active, null), (choice.Window.Status, choice.Window.ArchivedReason));
        Assert.Equal(SourceStatus.Active, _windows.Windows["ds_w"].Status);
    }

    private Task<WindowChoice> Choose(string endUser, WindowReference reference, string? sessionWindowId = null) =>
        _chooser.ChooseAsync(Sandbox, endUser, reference, sessionWindowId, CancellationToken.None);

    private WindowRecord Add(string id, string? endUser, string status = SourceStatus.Active, string? reason = null, DateTimeOffset? lastActive = null)
    {
        var now = _time.GetUtcNow();
        var window = new WindowRecord(id, Sandbox, endUser, id, status, reason, now, lastActive ?? now, 0);
        _windows.Windows[id] = window;
        return window;
    }
}
