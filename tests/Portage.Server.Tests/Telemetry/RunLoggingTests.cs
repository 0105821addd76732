using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>Issue 6, scope 5: every log line of a run carries its ids as scope fields, and no message text.</summary>
public sealed class RunLoggingTests
{
    private static readonly AIFunction Broken = AIFunctionFactory.Create(
        string () => throw new InvalidOperationException("weather service is down"), "broken", "Always fails.");

    [Fact]
    public async Task A_runs_log_lines_carry_its_ids_and_not_the_users_text()
    {
        var (records, run, app) = await RunWithCaptureAsync(new Dictionary<string, string?>());
        using (app)
        {
            var toolFailed = Assert.Single(records, r => r.Category == "Portage.Core.Tools.ToolInvoker");
            Assert.Equal(run.RunId, toolFailed.Scope["RunId"]);
            Assert.Equal(run.SessionId, toolFailed.Scope["SessionId"]);
            Assert.Equal(run.WindowId, toolFailed.Scope["WindowId"]);
            Assert.Equal("u-logs", toolFailed.Scope["EndUserId"]);
            Assert.False(string.IsNullOrEmpty((string?)toolFailed.Scope["SandboxId"]));
            Assert.DoesNotContain(records, r => r.Text.Contains(Secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Message_text_is_logged_only_when_content_logging_is_switched_on()
    {
        var (records, run, app) = await RunWithCaptureAsync(new Dictionary<string, string?>
        {
            ["Telemetry:LogContent"] = "true",
            ["Logging:LogLevel:Default"] = "Debug",
        });
        using (app)
        {
            var content = Assert.Single(records, r => r.Text.Contains(Secret, StringComparison.Ordinal));
            Assert.Equal(LogLevel.Debug, content.Level);
            Assert.Equal(run.RunId, content.Scope["RunId"]);
        }
    }

    private const string Secret = "my secret sentence 7f3a";

    private static async Task<(List<LogRecord> Records, RunResult Run, IDisposable App)> RunWithCaptureAsync(Dictionary<string, string?> settings)
    {
        var capture = new CapturingLoggerProvider();
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "Sorry.")
            : Tools.ToolLoopTests.AskFor("call_l1", "broken", [], ct: ct);
        var app = new PortageApp([Providers.Scripted(provider, "logged")], settings, tools: [Broken]);
        var factory = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(capture)));
        _ = factory.Server;
        var key = LocalCredentials.TryRead(app.DataFolderPath)!.ApiKey;
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var body = Runs.Body(Secret, endUser: "u-logs", provider: "logged");
        var run = new RunResult(await SseFrames.RunAsync(client, app.RunPath(LocalCredentials.TryRead(app.DataFolderPath)!.SandboxId), body));
        return ([.. capture.Records], run, new Both(factory, app));
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }

    internal sealed record LogRecord(string Category, LogLevel Level, string Text, Dictionary<string, object?> Scope);

    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<LogRecord> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                owner._scopes.ForEachScope((s, d) =>
                {
                    if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (k, v) in pairs)
                        {
                            d[k] = v;
                        }
                    }
                }, scope);
                owner.Records.Enqueue(new LogRecord(category, logLevel, formatter(state, exception) + " " + exception, scope));
            }
        }
    }
}
