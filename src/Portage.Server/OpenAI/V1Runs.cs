using Portage.Core.Errors;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Protocol.Runs;
using Portage.Server.Sse;

namespace Portage.Server.OpenAI;

/// <summary>What the OpenAI routes do alike around a run they started.</summary>
internal static class V1Runs
{
    /// <summary>
    /// Answers the run through <paramref name="answer"/> inside its log scope; as on the run endpoint, a client that
    /// went away (or whose key was revoked) stops the run it started.
    /// </summary>
    public static async Task AnswerAsync(RunHost host, RunHandle handle, ILogger logger, HttpContext context, StreamKeyWatch.Watch key, Func<Task> answer)
    {
        using var scope = logger.BeginScope(RunLogScope.Of(handle.Run.Scope));
        try
        {
            await answer();
        }
        finally
        {
            if ((context.RequestAborted.IsCancellationRequested || key.IsRevoked) && host.FindLive(handle.Run.Id) is { CancelOnDisconnect: true } live)
            {
                live.Cancel();
            }
        }
    }

    /// <summary>A whole answer whose run failed: the failure's status (<see cref="ChatReplies.StatusOf"/>) and OpenAI's error body.</summary>
    public static Task WriteFailureAsync(HttpContext context, AgentError error)
    {
        var status = ChatReplies.StatusOf(error);
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(OpenAIErrors.Body(status, error.Type, error.Message), OpenAIJson.Default.OpenAIErrorBody,
            "application/json", context.RequestAborted);
    }

    /// <summary>The refusal of a whole answer whose key was revoked while it ran.</summary>
    public static PortageException KeyRevoked() =>
        new(ErrorKind.Unauthorized, "key_revoked", "The API key this request was made with was revoked while it ran; its answer is cancelled.");
}
