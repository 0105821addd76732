using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Portage.Core.Telemetry;
using Portage.Protocol.Runs;
using Portage.Server.Sse;

namespace Portage.Server.OpenAI;

/// <summary>
/// Writes an answer as OpenAI streams it: <c>data: {chat.completion.chunk}</c> lines (the role first, then the text as
/// it comes, then the finish reason, then the usage when asked), ending with <c>data: [DONE]</c>, and <c>: ping</c>
/// comments while the model is quiet. Tool calls the router runs are not shown: the client sees the text. A failure
/// after the stream started is one <c>data: {"error": {…}}</c> line in OpenAI's error shape, with no <c>[DONE]</c>.
/// </summary>
internal static partial class ChatStreamWriter
{
    private static readonly byte[] s_ping = ": ping\n\n"u8.ToArray();
    private static readonly byte[] s_done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>Streams <paramref name="events"/>; <paramref name="keyRevoked"/> ends the stream with a <c>key_revoked</c> error.</summary>
    public static async Task WriteAsync(
        HttpContext context, IAsyncEnumerable<AgentEvent> events, ChatReplyInfo reply, TimeSpan ping, TimeProvider time, ILogger logger, ContentLogging content, CancellationToken keyRevoked)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await EventStreamResponse.StartAsync(context);
        await WriteChunkAsync(response, Chunk(reply, new ChunkDelta { Role = "assistant", Content = "" }, null), aborted);

        using var reading = CancellationTokenSource.CreateLinkedTokenSource(aborted, keyRevoked);
        try
        {
            await foreach (var item in KeepAlive.WithTicksAsync(events, ping, time, reading.Token))
            {
                switch (item)
                {
                    case null:
                        await WriteAsync(response, s_ping, aborted);
                        break;
                    case AgentTextDelta delta:
                        await WriteChunkAsync(response, Chunk(reply, new ChunkDelta { Content = delta.Text }, null), aborted);
                        break;
                    case AgentFinish finish:
                        await WriteChunkAsync(response, Chunk(reply, new ChunkDelta(), ChatReplies.FinishReason(finish.StopReason)) with
                        {
                            Portage = ChatReplies.Extension(finish, reply.Recorded),
                        }, aborted);
                        if (reply.IncludeUsage)
                        {
                            await WriteChunkAsync(response, new ChatCompletionChunk(reply.Id, reply.Created, reply.Model, []) { Usage = ChatReplies.Usage(finish.Usage) }, aborted);
                        }

                        await WriteAsync(response, s_done, aborted);
                        return;
                    case AgentError error:
                        await WriteErrorAsync(response, ChatReplies.StatusOf(error), error.Type, error.Message, aborted);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            await WriteErrorAsync(response, StatusCodes.Status401Unauthorized, "key_revoked",
                "The API key this stream was opened with was revoked, so the stream ends here and its answer is cancelled.", aborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !aborted.IsCancellationRequested)
        {
            // Reading the run's frames failed (the store, while following another replica's run): the client still
            // learns that the answer ended.
            LogStreamFailed(logger, content.Redact(ex), reply.Id);
            await WriteErrorAsync(response, StatusCodes.Status500InternalServerError, "internal_error",
                "Portage failed while streaming this answer; the server log has the details.", CancellationToken.None);
        }
    }

    /// <summary>The <c>data:</c> line of an error in OpenAI's shape.</summary>
    public static Task WriteErrorAsync(HttpResponse response, int status, string code, string message, CancellationToken cancellationToken) =>
        WriteDataAsync(response, OpenAIErrors.Body(status, code, message), OpenAIJson.Default.OpenAIErrorBody, cancellationToken);

    private static ChatCompletionChunk Chunk(ChatReplyInfo reply, ChunkDelta delta, string? finishReason) =>
        new(reply.Id, reply.Created, reply.Model, [new ChunkChoice(0, delta, finishReason)]);

    private static Task WriteChunkAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken) =>
        WriteDataAsync(response, chunk, OpenAIJson.Default.ChatCompletionChunk, cancellationToken);

    private static Task WriteDataAsync<T>(HttpResponse response, T value, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        WriteAsync(response, Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(value, type)}\n\n"), cancellationToken);

    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(bytes, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Error, "Streaming chat completion {Id} failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string id);
}
