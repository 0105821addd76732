using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>
/// Issue 17, finding 5: one request must not fan out into thousands of turns and ingest jobs (a 1 MB body held ~30k
/// messages). A run carries at most <c>Runs:MaxMessagesPerRun</c> user messages; more is 400
/// <c>too_many_messages</c>, refused before anything is recorded.
/// </summary>
public sealed class MessageLimitTests
{
    [Fact]
    public async Task A_run_with_more_messages_than_the_default_limit_is_400_too_many_messages_and_records_nothing()
    {
        using var app = new PortageApp();

        var (status, error, detail) = await app.RunErrorAsync(WithMessages(65, "flood"));

        Assert.Equal((400, "too_many_messages"), (status, error));
        Assert.Contains("65", detail, StringComparison.Ordinal);
        Assert.Contains("64", detail, StringComparison.Ordinal);
        Assert.Contains("Runs:MaxMessagesPerRun", detail, StringComparison.Ordinal);
        var runs = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs?end_user_id=flood");
        Assert.Empty(runs.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task The_limit_is_a_setting_and_a_run_at_the_limit_is_served()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Runs:MaxMessagesPerRun"] = "3" });

        var atLimit = await app.RunAsync(WithMessages(3, "u-1"));
        var (status, error, detail) = await app.RunErrorAsync(WithMessages(4, "u-1"));

        Assert.True(atLimit.Finished, atLimit.Terminal.Json.ToString());
        Assert.Equal(3, (await app.TurnsAsync(atLimit.WindowId)).EnumerateArray().Count(t => t.GetProperty("role").GetString() == "user"));
        Assert.Equal((400, "too_many_messages"), (status, error));
        Assert.Contains("at most 3", detail, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> WithMessages(int count, string endUser)
    {
        var body = Runs.Body("unused", endUser: endUser);
        body["messages"] = Enumerable.Range(1, count).Select(i => new { role = "user", content = $"message number {i}" }).ToArray();
        return body;
    }
}
