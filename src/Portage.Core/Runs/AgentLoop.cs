using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Core.Recording;
using Portage.Core.Tenancy;
using Portage.Core.Tools;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// The run's provider calls and tool cycles: one provider response per pass, streamed out as wire events through the
/// <see cref="TurnRecorder"/>; a response that asks for tools is followed by the router's results and another call,
/// up to <c>Runs:MaxToolCycles</c>. Whatever stops it, <see cref="Status"/> and <see cref="Failure"/> say why, and the
/// recorder holds the partial answer for the commit.
/// </summary>
internal sealed class AgentLoop(IChatClient client, ToolInvoker tools, RunScope scope, RunOptions settings, TurnRecorder recorder, Activity? span)
{
    /// <summary><c>running</c> until the loop ends; then succeeded, failed, cancelled or timeout.</summary>
    public string Status { get; private set; } = RunStatus.Running;

    /// <summary>The provider's failure when <see cref="Status"/> is failed.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Runs the loop. <paramref name="token"/> ends it at the run's time limit or the client's going away;
    /// <paramref name="clientToken"/> tells the two apart.
    /// </summary>
    public async IAsyncEnumerable<AgentEvent> RunAsync(
        List<ChatMessage> sent, ChatOptions options, CancellationToken clientToken, [EnumeratorCancellation] CancellationToken token)
    {
        var cycles = 0;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            while (Status == RunStatus.Running)
            {
                // yield cannot sit inside try/catch, so the provider is stepped by hand and its failure kept for later.
                // Starting the call is inside the try too: a client may fail before returning its stream.
                bool moved;
                try
                {
                    updates ??= client.GetStreamingResponseAsync([.. sent, .. recorder.ResponseMessages()], options, token).GetAsyncEnumerator(token);
                    moved = await updates.MoveNextAsync();
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    Status = Stopped(clientToken);
                    break;
                }
                catch (Exception ex)
                {
                    Failure = ex;
                    Status = RunStatus.Failed;
                    break;
                }

                if (moved)
                {
                    foreach (var agentEvent in recorder.Observe(updates.Current))
                    {
                        yield return agentEvent;
                    }

                    continue;
                }

                await updates.DisposeAsync();
                updates = null;
                var calls = recorder.EndCycle();
                if (calls.Count == 0)
                {
                    Status = RunStatus.Succeeded;
                }
                else if (cycles >= settings.MaxToolCycles)
                {
                    recorder.ForcedStopReason = "max_cycles";
                    Status = RunStatus.Succeeded;
                }
                else
                {
                    cycles++;
                    SetCurrent(span);
                    var results = await InvokeToolsAsync(calls, token);
                    if (results is null)
                    {
                        Status = Stopped(clientToken);
                        break;
                    }

                    foreach (var agentEvent in recorder.ObserveResults(results))
                    {
                        yield return agentEvent;
                    }
                }
            }

            // A limit ends the run with calls the model made but the router did not run: each still gets its result.
            if (Status == RunStatus.Timeout || recorder.ForcedStopReason is not null)
            {
                recorder.ForcedStopReason ??= "timeout";
                foreach (var agentEvent in recorder.CloseUnansweredCalls(NotExecuted(recorder.ForcedStopReason)))
                {
                    yield return agentEvent;
                }
            }
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Makes the run span current for the engine's own children (retrieval, tools): after each yield an iterator resumes
    /// with its consumer's <see cref="Activity.Current"/>. Only when there is a span: with nobody listening, the caller's
    /// current activity stays as it was.
    /// </summary>
    public static void SetCurrent(Activity? span)
    {
        if (span is not null)
        {
            Activity.Current = span;
        }
    }

    // The client going away wins over the time limit: nobody is left to tell about the timeout.
    private static string Stopped(CancellationToken clientToken) => clientToken.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Timeout;

    private string NotExecuted(string stopReason) => stopReason == "max_cycles"
        ? $"Not executed: the run reached its limit of {settings.MaxToolCycles} tool cycles (Runs:MaxToolCycles)."
        : $"Not executed: the run reached its time limit of {settings.TimeLimitSeconds} s (Runs:TimeLimitSeconds).";

    private async Task<List<FunctionResultContent>?> InvokeToolsAsync(List<FunctionCallContent> calls, CancellationToken token)
    {
        try
        {
            return await tools.InvokeAsync(calls, scope, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
    }
}
