using System.Text;
using System.Text.Json;
using Portage.Core.Telemetry;
using Portage.Protocol.Runs;
using Portage.Server.Sse;

namespace Portage.Server.OpenAI.Responses;

/// <summary>
/// Writes a response as OpenAI streams it: <c>event: {type}</c> / <c>data: {event}</c> frames from
/// <see cref="ResponseAssembler"/>, with <c>: ping</c> comments while the model is quiet. A failure after the stream
/// started (the provider, the store, a revoked key) is an <c>error</c> event and <c>response.failed</c>.
/// </summary>
internal static partial class ResponseStreamWriter
{
    private static readonly byte[] s_ping = ": ping\n\n"u8.ToArray();

    /// <summary>Streams <paramref name="events"/>; <paramref name="keyRevoked"/> ends the stream with a <c>key_revoked</c> error.</summary>
    public static async Task WriteAsync(
        HttpContext context, IAsyncEnumerable<AgentEvent> events, ResponseAssembler assembler, TimeSpan ping, TimeProvider time, ILogger logger, ContentLogging content,
        CancellationToken keyRevoked)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await EventStreamResponse.StartAsync(context);
        await WriteAsync(response, assembler.Begin(), aborted);

        using var reading = CancellationTokenSource.CreateLinkedTokenSource(aborted, keyRevoked);
        try
        {
            await foreach (var item in KeepAlive.WithTicksAsync(events, ping, time, reading.Token))
            {
                if (item is null)
                {
                    await response.Body.WriteAsync(s_ping, aborted);
                    await response.Body.FlushAsync(aborted);
                    continue;
                }

                await WriteAsync(response, assembler.Add(item), aborted);
                if (item.IsTerminal)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            await WriteAsync(response, assembler.Fail("key_revoked", "The API key this stream was opened with was revoked, so the stream ends here and its answer is cancelled.", "cancelled"), aborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !aborted.IsCancellationRequested)
        {
            // Reading the run's frames failed (the store, while following another replica's run): the client still
            // learns that the answer ended.
            LogStreamFailed(logger, content.Redact(ex), assembler.Response.Id);
            await WriteAsync(response, assembler.Fail("internal_error", "Portage failed while streaming this response; the server log has the details."), CancellationToken.None);
        }
    }

    private static async Task WriteAsync(HttpResponse response, IEnumerable<ResponseStreamEvent> events, CancellationToken cancellationToken)
    {
        var frames = new StringBuilder();
        foreach (var streamEvent in events)
        {
            frames.Append("event: ").Append(streamEvent.Type).Append("\ndata: ")
                .Append(JsonSerializer.Serialize(streamEvent, ResponsesJson.Default.ResponseStreamEvent)).Append("\n\n");
        }

        if (frames.Length > 0)
        {
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frames.ToString()), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Error, "Streaming response {Id} failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string id);
}
