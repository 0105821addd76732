using Portage.Core.Errors;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
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

    /// <summary>The refusal of a whole answer whose key was revoked while it ran.</summary>
    public static PortageException KeyRevoked() =>
        new(ErrorKind.Unauthorized, "key_revoked", "The API key this request was made with was revoked while it ran; its answer is cancelled.");
}
