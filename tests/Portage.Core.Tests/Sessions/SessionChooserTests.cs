using Microsoft.Extensions.Time.Testing;
using Portage.Core.Providers;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Tests.Fakes;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Sessions;

public sealed class SessionChooserTests
{
    private static readonly WindowRecord Window = new("ds_w", "sb_1", "alice", "w", SourceStatus.Active, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 4);
    private readonly FakeSessionStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly SessionChooser _chooser;

    public SessionChooserTests() => _chooser = new SessionChooser(_store, new TranscriptCache(), new SequentialIds(), _time);

    [Fact]
    public async Task Without_session_id_the_windows_latest_session_of_the_provider_and_model_goes_on()
    {
        Add("sess_old", "anthropic", "claude", _time.GetUtcNow().AddMinutes(-5));
        var latest = Add("sess_new", "anthropic", "claude", _time.GetUtcNow());
        Add("sess_other", "openai", "gpt", _time.GetUtcNow());

        var choice = await Choose(Provider("anthropic"), "claude", named: null, sessionNamed: false);

        Assert.Equal(new SessionChoice(latest, Continues: true), choice);
    }

    [Fact]
    public async Task A_named_session_of_the_same_provider_and_model_continues()
    {
        var named = Add("sess_a", "anthropic", "claude", _time.GetUtcNow());

        var choice = await Choose(Provider("anthropic"), "claude", named, sessionNamed: true);

        Assert.Equal(new SessionChoice(named, Continues: true), choice);
        Assert.Equal(0, _store.LatestLookups);
    }

    [Fact]
    public async Task A_named_session_of_another_model_of_the_same_provider_means_a_fresh_session_in_the_same_window()
    {
        // The old model's transcript carries state only it accepts (thinking signatures): the window carries the rest.
        var named = Add("sess_a", "anthropic", "claude-old", _time.GetUtcNow());

        var choice = await Choose(Provider("anthropic"), "claude-new", named, sessionNamed: true);

        Assert.False(choice.Continues);
        Assert.NotEqual(named.Id, choice.Session.Id);
        Assert.Equal((Window.Id, "anthropic", "claude-new", "[]", 0L), (choice.Session.WindowId, choice.Session.Provider, choice.Session.Model, choice.Session.TranscriptJson, choice.Session.LastWindowSeq));
        Assert.Equal(0, _store.LatestLookups);
    }

    [Fact]
    public async Task A_named_session_of_another_provider_means_a_fresh_session_in_the_same_window()
    {
        var named = Add("sess_a", "anthropic", "claude", _time.GetUtcNow());

        var choice = await Choose(Provider("openai"), "gpt", named, sessionNamed: true);

        Assert.False(choice.Continues);
        Assert.NotEqual(named.Id, choice.Session.Id);
        Assert.Equal((Window.Id, "openai", "gpt", "[]", 0L), (choice.Session.WindowId, choice.Session.Provider, choice.Session.Model, choice.Session.TranscriptJson, choice.Session.LastWindowSeq));
    }

    [Fact]
    public async Task A_server_side_session_on_another_engine_is_a_switch()
    {
        var named = Add("sess_a", "google-agent-engine", "agent-engine/111", _time.GetUtcNow());
        var engine = Provider("google-agent-engine") with { ServerSideSessions = true };

        var same = await Choose(engine, "agent-engine/111", named, sessionNamed: true);
        var other = await Choose(engine, "agent-engine/222", named, sessionNamed: true);

        Assert.True(same.Continues);
        Assert.False(other.Continues);
    }

    [Fact]
    public async Task A_new_window_gets_a_new_session_without_asking_the_store()
    {
        Add("sess_a", "anthropic", "claude", _time.GetUtcNow());

        var choice = await _chooser.ChooseAsync(new WindowChoice(Window, Named: false, IsNew: true), "alice", Provider("anthropic"), "claude", null, false, CancellationToken.None);

        Assert.False(choice.Continues);
        Assert.Equal(0, _store.LatestLookups);
    }

    [Fact]
    public async Task A_named_session_is_found_only_for_its_end_user()
    {
        Add("sess_a", "anthropic", "claude", _time.GetUtcNow());

        var mine = await _chooser.FindNamedAsync("sb_1", "alice", "sess_a", CancellationToken.None);
        var theirs = await _chooser.FindNamedAsync("sb_1", "bob", "sess_a", CancellationToken.None);
        var none = await _chooser.FindNamedAsync("sb_1", "alice", null, CancellationToken.None);

        Assert.Equal(("sess_a", null, null), (mine?.Id, theirs?.Id, none?.Id));
    }

    private Task<SessionChoice> Choose(ProviderDefinition provider, string model, SessionRecord? named, bool sessionNamed) =>
        _chooser.ChooseAsync(new WindowChoice(Window, Named: sessionNamed, IsNew: false), "alice", provider, model, named, sessionNamed, CancellationToken.None);

    private SessionRecord Add(string id, string provider, string model, DateTimeOffset lastActive)
    {
        var session = new SessionRecord(id, "sb_1", "alice", Window.Id, provider, model, null, "[]", 2, lastActive, lastActive);
        _store.Sessions.Add(session);
        return session;
    }

    private static ProviderDefinition Provider(string name) => new() { Name = name, Client = new EchoChatClient(name, TimeSpan.Zero, TimeProvider.System), DefaultModel = "m" };
}
