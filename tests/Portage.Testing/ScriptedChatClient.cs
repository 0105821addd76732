using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Portage.Testing;

/// <summary>
/// A hand-written fake provider: records every call's messages and options, and answers with whatever
/// <see cref="Script"/> yields (default: one text delta "ok" and a stop).
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly List<(List<ChatMessage> Messages, ChatOptions? Options)> _calls = [];
    private readonly Lock _gate = new();

    /// <summary>The answer for one call.</summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> Script { get; set; } =
        (_, _, ct) => Text(ct, "ok");

    /// <summary>Every call so far.</summary>
    public IReadOnlyList<(List<ChatMessage> Messages, ChatOptions? Options)> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The messages of the last call.</summary>
    public List<ChatMessage> LastMessages => Calls[^1].Messages;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (_gate)
        {
            _calls.Add((list, options));
        }

        return Script(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    /// <summary>Streams the given deltas, then a stop with usage.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Text([EnumeratorCancellation] CancellationToken cancellationToken, params string[] deltas)
    {
        foreach (var delta in deltas)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, delta);
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 })],
        };
    }

    /// <summary>
    /// A round of a provider that runs its own tools (like Agent Engine): "Checking.", the call <c>call_9</c> to
    /// <c>lookup</c> with <c>{"q": "x"}</c> reported as informational, its result 42, then "It is 42." and a stop.
    /// </summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> InformationalToolRound([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Checking.");
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new FunctionCallContent("call_9", "lookup", new Dictionary<string, object?> { ["q"] = "x" }) { InformationalOnly = true }] };
        yield return new ChatResponseUpdate { Role = ChatRole.Tool, Contents = [new FunctionResultContent("call_9", 42)] };
        await foreach (var update in Text(cancellationToken, "It is 42."))
        {
            yield return update;
        }
    }

    /// <summary>Streams <paramref name="text"/>, then fails with "upstream exploded" (a provider dying mid-answer).</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> FailAfter(string text, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, text);
        cancellationToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("upstream exploded");
    }
}
