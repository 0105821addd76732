using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>
/// A run re-joined through another router on the same store reads the event log, not the first router's memory:
/// two routers on one SQLite file stand in for replicas (the PostgreSQL replicas are tested in ReplicaTests).
/// </summary>
public sealed class CrossRouterTests
{
    [Fact]
    public async Task A_run_is_followed_through_another_router_from_the_stored_log_to_its_terminal_frame()
    {
        var gate = new Gate();
        var model = new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) };
        using var a = new PortageApp([Providers.Scripted(model)]);
        using var b = new PortageApp([Providers.Scripted(new ScriptedChatClient())], dataFolder: a.DataFolderPath);
        _ = b.Client; // started before the run: a single node marks every running run interrupted at its start
        var body = Runs.Body("slowly", provider: "scripted").With("on_disconnect", "continue");

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(a.Client, a.RunPath(), body, count: 2);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        await reader.DisposeAsync();
        response.Dispose();
        var resuming = StreamKit.ResumeAsync(b.Client, b.EventsPath(runId), seen[0].Id);
        await Task.Delay(300);
        gate.Open();
        var rest = await resuming;

        Assert.Equal([$"{runId}:2", $"{runId}:3", $"{runId}:4"], rest.Select(f => f.Id));
        Assert.Equal("partial done", rest.Text());
        Assert.Equal("agent_finish", rest[^1].Event);
        Assert.Single(model.Calls);
    }
}
