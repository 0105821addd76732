using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Portage.Core.Runs;
using Portage.Core.Telemetry;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Server.Sse;

/// <summary>
/// Writes a run's frames as SSE (<c>id: run_id:seq</c>, <c>event:</c>, one <c>data:</c> line), flushing each as it
/// happens, with <c>: ping</c> comments while the provider is quiet. Hand-written because the BCL SseFormatter cannot
/// interleave comments with items. The frames are already numbered and serialized (see RunHost), so a resumed stream
/// carries the same ids and bytes as the first.
/// </summary>
internal static partial class RunStreamWriter
{
    private static readonly byte[] s_ping = ": ping\n\n"u8.ToArray();

    /// <summary>
    /// Writes the frames until the terminal one, the client leaves, or <paramref name="keyRevoked"/> fires: then the
    /// stream ends with an <c>agent_error</c> of type <c>key_revoked</c> (what that does to the run is the caller's decision).
    /// </summary>
    public static async Task WriteAsync(
        HttpContext context, IAsyncEnumerable<RunEventRecord> frames, string runId, TimeSpan pingInterval, TimeProvider time, ILogger logger, ContentLogging content,
        CancellationToken keyRevoked)
    {
        var response = context.Response;
        await EventStreamResponse.StartAsync(context);

        long seq = 0;
        var terminal = false;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, keyRevoked);
        try
        {
            await foreach (var current in KeepAlive.WithTicksAsync(frames, pingInterval, time, reading.Token))
            {
                if (keyRevoked.IsCancellationRequested)
                {
                    await WriteKeyRevokedAsync(response, runId, context.RequestAborted);
                    break;
                }

                if (current is null)
                {
                    await response.Body.WriteAsync(s_ping, context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    continue;
                }

                terminal = EventNames.IsTerminal(current.Event);
                seq = current.Seq;
                await WriteFrameAsync(response, runId, current, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested && !terminal)
        {
            await WriteKeyRevokedAsync(response, runId, context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !terminal)
        {
            // Reading the frames failed (the store, while following another replica's run): the client still gets
            // exactly one terminal frame, and may resume from the last id it saw.
            LogStreamFailed(logger, content.Redact(ex), runId);
            var error = new AgentError("Portage failed while streaming this run; the server log has the details. Resume with Last-Event-ID to read the rest.", "internal_error") { RunId = runId };
            await WriteFrameAsync(response, runId, new RunEventRecord(seq + 1, error.EventName, JsonSerializer.Serialize(error, ProtocolJson.Wire.AgentError)),
                CancellationToken.None);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; what that does to the run is the caller's decision (on_disconnect).
        }
    }

    // Without an id line: it is not one of the run's stored frames, so a client resuming with another key from the last
    // id it holds misses nothing.
    private static async Task WriteKeyRevokedAsync(HttpResponse response, string runId, CancellationToken cancellationToken)
    {
        var error = new AgentError(
            "The API key this stream was opened with was revoked, so the stream ends here. The run is treated as after a disconnect: " +
            "a run started by this stream with on_disconnect \"cancel\" (the default) is cancelled; otherwise read the rest with a valid key " +
            "from GET …/agents/runs/{run_id}/events, sending the last event id received as Last-Event-ID.",
            "key_revoked") { RunId = runId };
        var frame = $"event: {error.EventName}\ndata: {JsonSerializer.Serialize(error, ProtocolJson.Wire.AgentError)}\n\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    // Straight into the response's pipe, UTF-8 and without a string per frame: a short answer is fifty frames or more.
    private static async Task WriteFrameAsync(HttpResponse response, string runId, RunEventRecord record, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        writer.Write("id: "u8);
        Encoding.UTF8.GetBytes(runId, writer);
        writer.Write(":"u8);
        var digits = writer.GetSpan(20);
        record.Seq.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
        writer.Advance(written);
        writer.Write("\nevent: "u8);
        Encoding.UTF8.GetBytes(record.Event, writer);
        writer.Write("\ndata: "u8);
        Encoding.UTF8.GetBytes(record.Data, writer);
        writer.Write("\n\n"u8);
        await writer.FlushAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Error, "Streaming run {RunId} failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string runId);
}
