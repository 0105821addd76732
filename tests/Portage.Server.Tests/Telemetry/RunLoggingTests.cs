using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>Issue 6, scope 5: every log line of a run carries its ids as scope fields, and no message text.</summary>
public sealed class RunLoggingTests
{
    private const string Secret = "my secret sentence 7f3a";

    private static readonly AIFunction Broken = AIFunctionFactory.Create(
        string () => throw new InvalidOperationException("weather service is down"), "broken", "Always fails.");

    [Fact]
    public async Task A_runs_log_lines_carry_its_ids_and_not_the_users_text()
    {
        using var app = ObserveToolFailure(new Dictionary<string, string?>());

        var run = await app.RunAsync(Runs.Body(Secret, endUser: "u-logs", provider: "logged"));

        var records = app.Logs.Records.ToList();
        var toolFailed = Assert.Single(records, r => r.Category == "Portage.Core.Tools.ToolInvoker");
        Assert.Equal(run.RunId, toolFailed.Scope["RunId"]);
        Assert.Equal(run.SessionId, toolFailed.Scope["SessionId"]);
        Assert.Equal(run.WindowId, toolFailed.Scope["WindowId"]);
        Assert.Equal("u-logs", toolFailed.Scope["EndUserId"]);
        Assert.False(string.IsNullOrEmpty((string?)toolFailed.Scope["SandboxId"]));
        Assert.DoesNotContain(records, r => r.Text.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Message_text_is_logged_only_when_content_logging_is_switched_on()
    {
        using var app = ObserveToolFailure(new Dictionary<string, string?>
        {
            ["Telemetry:LogContent"] = "true",
            ["Logging:LogLevel:Default"] = "Debug",
        });

        var run = await app.RunAsync(Runs.Body(Secret, endUser: "u-logs", provider: "logged"));

        var content = Assert.Single(app.Logs.Records, r => r.Text.Contains(Secret, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Debug, content.Level);
        Assert.Equal(run.RunId, content.Scope["RunId"]);
    }

    private static ObservedApp ObserveToolFailure(Dictionary<string, string?> settings)
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "Sorry.")
            : Tools.ToolLoopTests.AskFor("call_l1", "broken", [], ct: ct);
        return new ObservedApp(new PortageApp([Providers.Scripted(provider, "logged")], settings, tools: [Broken]));
    }
}
