using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Portage.Core.Tests.Providers;

/// <summary>A provider whose every streaming call is scripted by its number (1-based); it records what it was given.</summary>
internal sealed class FakeChatClient(Func<int, IAsyncEnumerable<ChatResponseUpdate>> script) : IChatClient
{
    private int _calls;

    public int Calls => _calls;

    public ConcurrentQueue<ChatOptions?> Options { get; } = new();

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Options.Enqueue(options);
        return script(Interlocked.Increment(ref _calls));
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The run path streams.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    // Fails on the first step, as an SDK does when its HTTP call fails.
    public static IAsyncEnumerable<ChatResponseUpdate> Fail(Exception failure) => Stream([], failure);

    public static IAsyncEnumerable<ChatResponseUpdate> Stream(params ChatResponseUpdate[] updates) => Stream(updates, null);

#pragma warning disable CS1998 // synchronous on purpose: each step completes at once, so only the fake clock decides timing
    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(ChatResponseUpdate[] updates, Exception? then)
    {
        foreach (var update in updates)
        {
            yield return update;
        }

        if (then is not null)
        {
            throw then;
        }
    }
#pragma warning restore CS1998
}
