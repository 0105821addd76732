using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Portage.Server.Tests.Telemetry;

/// <summary>One captured log line: its text includes the exception as the console logger would print it.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, string Text, Dictionary<string, object?> Scope)
{
    /// <summary>The formatted message alone, without the exception.</summary>
    public string Message { get; init; } = Text;
}

/// <summary>Captures every log line at every level, with its scope fields, as a log exporter would see it.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
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
            var message = formatter(state, exception);
            owner.Records.Enqueue(new LogRecord(category, logLevel, message + " " + exception, scope) { Message = message });
        }
    }
}
