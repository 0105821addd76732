using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Server.Sse;

namespace Portage.Server.Endpoints;

/// <summary>
/// What streaming a run's frames to a client needs, the same for the connection that starts the run and one that
/// re-joins it (a singleton).
/// </summary>
internal sealed class RunStreaming(
    RunFollower follower, TimeProvider time, IOptions<ServerOptions> options, ILoggerFactory loggers, ContentLogging content, StreamKeyWatch keys)
{
    /// <summary>The logger of the run streams.</summary>
    public ILogger Logger { get; } = loggers.CreateLogger("Portage.Server.Runs");

    /// <summary>The content logging switch.</summary>
    public ContentLogging Content => content;

    /// <summary>The server's options.</summary>
    public ServerOptions Options => options.Value;

    /// <summary>
    /// Streams the frames of <paramref name="run"/> after seq <paramref name="after"/> until the run ends, the client
    /// goes away, or the caller's key is revoked; returns whether it was revoked.
    /// </summary>
    public async Task<bool> WriteAsync(HttpContext context, RunRecord run, long after)
    {
        using var key = keys.Start(ApiKeyFilter.CallerOf(context));
        await RunStreamWriter.WriteAsync(context, follower.FollowAsync(run, after, context.RequestAborted), run.Id,
            TimeSpan.FromSeconds(options.Value.PingSeconds), time, Logger, content, key.Revoked);
        return key.IsRevoked;
    }
}
