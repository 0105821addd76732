using Microsoft.Extensions.AI;
using Portage.Core.Sessions;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 4 with the transcript this replica stored held in memory (<see cref="TranscriptCache"/>): the next turn replays
/// the held transcript while the session is still at the version this replica stored, and reads the stored one as soon
/// as it is not (a run on another replica moves the version on; <c>ReplicaTests</c> alternates turns between two).
/// </summary>
public sealed class Rule04HeldTranscriptTests
{
    // What a held transcript says instead of the conversation, so the test sees which one the provider got.
    private const string Marker = """[{"role":"user","contents":[{"$type":"text","text":"held here"}]},{"role":"assistant","contents":[{"$type":"text","text":"held answer"}]}]""";

    [Fact]
    public async Task A_run_ending_keeps_the_transcript_at_the_version_the_store_now_has()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);

        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        // A session's first run is not held: most sessions never continue.
        Assert.Null(app.Get<TranscriptCache>().Known(first.SessionId));
        await app.RunAsync(Runs.Body("two", provider: "scripted", session: first.SessionId));

        var stored = await app.Get<ISessionStore>().GetSessionAsync(app.SandboxId, first.SessionId, null, CancellationToken.None);
        var held = app.Get<TranscriptCache>();
        Assert.Equal(new TranscriptVersion(first.SessionId, stored!.LastWindowSeq), held.Known(first.SessionId));
        Assert.Equal(held.Known(first.SessionId), held.KnownInWindow(first.WindowId));
        var kept = held.Find(stored);
        Assert.NotNull(kept);
        Assert.Equal(["one", "two"], kept.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
        Assert.Equal(TranscriptJson.Serialize(TranscriptJson.Deserialize(stored.TranscriptJson, stored.AppendedJson)), TranscriptJson.Serialize(kept.Messages));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_continuing_run_replays_the_held_transcript_without_reading_it_back(bool sessionNamed)
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        await app.RunAsync(Runs.Body("two", provider: "scripted", session: first.SessionId));
        var version = app.Get<TranscriptCache>().Known(first.SessionId)!;

        // The same version, other messages: only a run that did not read the stored transcript sends these.
        app.Get<TranscriptCache>().KeepWritten(first.WindowId, version, Marker);
        await app.RunAsync(Runs.Body("three", provider: "scripted", session: sessionNamed ? first.SessionId : null));

        Assert.Equal(["held here", "held answer", "three"], provider.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_continuing_run_reads_the_stored_transcript_when_the_held_one_is_not_its_version(bool sessionNamed)
    {
        var provider = new ScriptedChatClient();
        provider.Script = (_, _, ct) => ScriptedChatClient.Text(ct, "an answer");
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        await app.RunAsync(Runs.Body("two", provider: "scripted", session: first.SessionId));
        var version = app.Get<TranscriptCache>().Known(first.SessionId)!;

        // Held at another version (as after a run of this session on another replica): the store's transcript goes.
        app.Get<TranscriptCache>().KeepWritten(first.WindowId, version with { LastWindowSeq = version.LastWindowSeq + 10 }, Marker);
        await app.RunAsync(Runs.Body("three", provider: "scripted", session: sessionNamed ? first.SessionId : null));

        Assert.Equal(["one", "an answer", "two", "an answer", "three"], provider.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }
}
