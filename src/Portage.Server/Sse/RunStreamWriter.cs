using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Portage.Core.Telemetry;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Server.Sse;

/// <summary>
/// Writes a run's events as SSE frames (<c>id:</c>, <c>event:</c>, one <c>data:</c> line), flushing each as it happens,
/// with <c>: ping</c> comments while the provider is quiet. Hand-written because the BCL SseFormatter cannot interleave
/// comments with items.
/// </summary>
internal static partial class RunStreamWriter
{
    private static readonly byte[] s_ping = ": ping\n\n"u8.ToArray();

    public static async Task WriteAsync(HttpContext context, IAsyncEnumerable<AgentEvent> events, string runId, TimeSpan pingInterval, TimeProvider time, ILogger logger, ContentLogging content)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.StartAsync(context.RequestAborted);

        var seq = 0;
        var terminal = false;
        var enumerator = events.GetAsyncEnumerator(context.RequestAborted);
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                pending ??= enumerator.MoveNextAsync().AsTask();
                using (var pingTimer = new CancellationTokenSource())
                {
                    var ping = Task.Delay(pingInterval, time, pingTimer.Token);
                    if (await Task.WhenAny(pending, ping) == ping)
                    {
                        await response.Body.WriteAsync(s_ping, context.RequestAborted);
                        await response.Body.FlushAsync(context.RequestAborted);
                        continue;
                    }

                    await pingTimer.CancelAsync();
                }

                bool moved;
                try
                {
                    moved = await pending;
                }
                finally
                {
                    pending = null;
                }

                if (!moved)
                {
                    break;
                }

                var current = enumerator.Current;
                terminal = current is AgentFinish or AgentError;
                await WriteFrameAsync(response, runId, ++seq, current, context.RequestAborted);
            }
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !terminal)
        {
            // The engine records the run before failing; the client still gets exactly one terminal frame.
            LogStreamFailed(logger, content.Redact(ex), runId);
            await WriteFrameAsync(response, runId, ++seq,
                new AgentError("Portage failed while streaming this run; the server log has the details.", "internal_error") { RunId = runId },
                CancellationToken.None);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected: the engine records the run as cancelled when the enumerator is disposed.
        }
        finally
        {
            if (pending is not null)
            {
                try
                {
                    await pending;
                }
                catch (Exception) when (context.RequestAborted.IsCancellationRequested)
                {
                    // Already cancelled; the enumerator's disposal records the outcome.
                }
            }

            await enumerator.DisposeAsync();
        }
    }

    private static async Task WriteFrameAsync(HttpResponse response, string runId, int seq, AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(agentEvent, agentEvent.GetType(), ProtocolJson.Wire);
        var frame = $"id: {runId}:{seq}\nevent: {agentEvent.EventName}\ndata: {json}\n\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Error, "Streaming run {RunId} failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string runId);
}
