using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Testing;
using Portage.Testing.Fakes;

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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failing_turn_logs_neither_the_users_text_nor_a_key_unless_content_logging_is_on(bool logContent)
    {
        const string Marker = "my password hint is violet-7731";
        var providerKey = "sk-ant-test-" + Guid.NewGuid().ToString("n");
        await using var fake = await FakeProviderServer.StartAsync();
        // The provider quotes the prompt in its errors (and this one, like a careless proxy, the key): overloaded, so
        // retried, then refused, so the run fails.
        fake.Enqueue(
            FakeResponse.Json(529, $$$"""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded while reading '{{{Marker}}}' for {{{providerKey}}}"}}"""),
            FakeResponse.Json(400, $$$"""{"type":"error","error":{"type":"invalid_request_error","message":"prompt '{{{Marker}}}' was refused"}}"""));
        using var app = new ObservedApp(new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:Anthropic:ApiKey"] = providerKey,
            ["Providers:Anthropic:BaseUrl"] = fake.BaseUrl,
            ["Runs:RetryBaseDelayMilliseconds"] = "1",
            ["Telemetry:LogContent"] = logContent ? "true" : "false",
            // Everything every component writes, the framework's request logging included.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        }));

        var run = await app.RunAsync(Runs.Body(Marker, endUser: "u-logs", provider: "anthropic"));

        // The caller gets the provider's own message; the provider was called twice.
        Assert.Equal(("agent_error", "provider_error"), (run.Terminal.Event, run.Terminal.Json.GetProperty("type").GetString()));
        Assert.Contains(Marker, run.Terminal.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, fake.Requests.Count);
        var records = app.Logs.Records.ToList();
        var executor = records.Where(r => r.Category == "Portage.Core.Runs.RunExecutor").ToList();
        Assert.Equal(2, executor.Count); // the retry, then the failure
        Assert.All(executor, r => Assert.Equal(run.RunId, r.Scope["RunId"]));
        Assert.All(executor, r => Assert.Contains("ProviderException", r.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Text.Contains(app.Credentials.ApiKey, StringComparison.Ordinal));
        if (logContent)
        {
            Assert.All(executor, r => Assert.Contains(Marker, r.Text, StringComparison.Ordinal));
        }
        else
        {
            Assert.All(executor, r => Assert.Contains("from provider anthropic (HTTP", r.Text, StringComparison.Ordinal));
            Assert.DoesNotContain(records, r => r.Text.Contains(Marker, StringComparison.Ordinal) || r.Text.Contains("violet", StringComparison.Ordinal));
            Assert.DoesNotContain(records, r => r.Text.Contains(providerKey, StringComparison.Ordinal));
        }
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
