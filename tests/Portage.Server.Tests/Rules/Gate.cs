using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Portage.Server.Tests.Rules;

/// <summary>A provider script that sends one delta, then waits for the test to open the gate (or for cancellation).</summary>
internal sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _open.TrySetResult();

    /// <summary>Completes when the provider call observed its cancellation token.</summary>
    public Task Cancelled => _cancelled.Task;

    public async IAsyncEnumerable<ChatResponseUpdate> Script([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
        try
        {
            await _open.Task.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            _cancelled.TrySetResult();
            throw;
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, " done") { FinishReason = ChatFinishReason.Stop };
    }
}
