using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Compaction;

/// <summary>
/// <c>POST …/sources/{window_id}/compact</c>: the oldest turns are summarised into a compaction turn, the originals stay,
/// and a session that starts afterwards reads the summary instead of them.
/// </summary>
public sealed class ForcedCompactionTests
{
    [Fact]
    public async Task A_forced_compaction_keeps_every_turn_and_a_new_session_reads_the_summary_then_the_kept_exchanges()
    {
        var target = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(target, "target")]);
        string? window = null;
        for (var i = 1; i <= 6; i++)
        {
            window = (await app.RunAsync(Runs.Body($"message {i}"))).WindowId;
        }

        using var response = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { end_user_id = "u-123", keep_exchanges = 2 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("compacted").GetBoolean());
        Assert.Equal(13, body.GetProperty("summary_seq").GetInt64());
        Assert.Equal(1, body.GetProperty("replaced_from_seq").GetInt64());
        Assert.Equal(8, body.GetProperty("replaced_to_seq").GetInt64());
        Assert.Equal("echo", body.GetProperty("provider").GetString());
        Assert.Contains("- User: message 1", body.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("tokens_after").GetInt32() < body.GetProperty("tokens_before").GetInt32());

        var turns = await app.TurnsAsync(window!);
        Assert.Equal(13, turns.GetArrayLength());
        var compaction = turns[12];
        Assert.Equal("compaction", compaction.GetProperty("role").GetString());
        var part = compaction.GetProperty("parts")[0];
        Assert.Equal("compaction", part.GetProperty("type").GetString());
        Assert.Equal(1, part.GetProperty("compaction").GetProperty("replaced_from_seq").GetInt64());
        Assert.Equal(8, part.GetProperty("compaction").GetProperty("replaced_to_seq").GetInt64());

        await app.RunAsync(Runs.Body("what did I say?", provider: "target"));

        var sent = target.LastMessages.Where(m => m.Role != ChatRole.System).ToList();
        Assert.StartsWith("[Earlier conversation, summarised (window turns 1–8)", sent[0].Text, StringComparison.Ordinal);
        Assert.Equal(ChatRole.User, sent[0].Role);
        // The summary and the first kept user turn are both the user's, so they travel as one message.
        Assert.EndsWith("message 5", sent[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("message 4", sent.Select(m => m.Text));
        Assert.Equal("what did I say?", sent[^1].Text);
    }

    [Fact]
    public async Task A_second_compaction_folds_the_first_summary_in_and_stands_for_every_turn_from_the_start()
    {
        using var app = new PortageApp();
        string? window = null;
        for (var i = 1; i <= 4; i++)
        {
            window = (await app.RunAsync(Runs.Body($"message {i}"))).WindowId;
        }

        await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { keep_exchanges = 1 });
        for (var i = 5; i <= 7; i++)
        {
            await app.RunAsync(Runs.Body($"message {i}"));
        }

        using var second = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { keep_exchanges = 1 });
        var body = await second.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(1, body.GetProperty("replaced_from_seq").GetInt64());
        var summary = body.GetProperty("summary").GetString()!;
        Assert.Contains("message 1", summary, StringComparison.Ordinal);
        Assert.Contains("message 6", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("message 7", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_with_nothing_before_its_kept_exchanges_is_not_compacted()
    {
        using var app = new PortageApp();
        var window = (await app.RunAsync(Runs.Body("only one"))).WindowId;

        using var response = await app.Client.PostAsync(CompactPath(app, window!), null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("compacted").GetBoolean());
        Assert.Equal(2, (await app.TurnsAsync(window!)).GetArrayLength());
    }

    [Fact]
    public async Task Compacting_another_end_users_window_is_404_and_a_bad_summariser_is_400()
    {
        using var app = new PortageApp();
        var window = (await app.RunAsync(Runs.Body("mine", endUser: "alice"))).WindowId;

        using var other = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { end_user_id = "bob" });
        using var unknown = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { provider = "nope" });
        using var unconfigured = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { provider = "anthropic" });
        using var negative = await app.Client.PostAsJsonAsync(CompactPath(app, window!), new { keep_exchanges = -1 });

        Assert.Equal((404, "source_not_found"), Short(await Runs.ErrorOf(other)));
        Assert.Equal((400, "unknown_provider"), Short(await Runs.ErrorOf(unknown)));
        Assert.Equal((400, "provider_not_configured"), Short(await Runs.ErrorOf(unconfigured)));
        Assert.Equal((400, "invalid_keep_exchanges"), Short(await Runs.ErrorOf(negative)));
        Assert.Equal(2, (await app.TurnsAsync(window!)).GetArrayLength());
    }

    private static (int, string) Short((int Status, string Error, string Detail) error) => (error.Status, error.Error);

    private static string CompactPath(PortageApp app, string window) => $"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{window}/compact";
}
