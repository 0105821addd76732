using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace Portage.Core.Providers;

/// <summary>
/// The offline model: deterministic, in-process, no key. It says what it was given (model, prior turns, the last user
/// message, its previous answer), so memory can be seen working without any provider. It streams its answer in
/// several deltas, optionally with a pause between them.
/// </summary>
public sealed class EchoChatClient(string displayName, TimeSpan delayBetweenDeltas, TimeProvider time) : IChatClient
{
    /// <summary>Quotes of the previous answer are cut to this many characters.</summary>
    public const int QuoteLimit = 200;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        var model = string.IsNullOrEmpty(options?.ModelId) ? "echo-1" : options.ModelId;
        var reply = Compose(displayName, model, list);
        var responseId = "echo-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reply)))[..16];

        foreach (var chunk in Chunk(reply))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (delayBetweenDeltas > TimeSpan.Zero)
            {
                await Task.Delay(delayBetweenDeltas, time, cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { ModelId = model, ResponseId = responseId };
        }

        var input = list.Sum(m => EstimateTokens(m.Text));
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ModelId = model,
            ResponseId = responseId,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = input, OutputTokenCount = EstimateTokens(reply), TotalTokenCount = input + EstimateTokens(reply) })],
        };
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>A rough token estimate (4 characters a token), used where a provider reports none.</summary>
    public static int EstimateTokens(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    internal static string Compose(string displayName, string model, IReadOnlyList<ChatMessage> messages)
    {
        var conversation = messages.Where(m => m.Role != ChatRole.System).ToList();
        var lastUser = conversation.FindLastIndex(m => m.Role == ChatRole.User);
        var priorTurns = lastUser < 0 ? conversation.Count : lastUser;
        var userText = lastUser < 0 ? "" : conversation[lastUser].Text;
        var previous = conversation.Take(Math.Max(lastUser, 0)).LastOrDefault(m => m.Role == ChatRole.Assistant && !string.IsNullOrWhiteSpace(m.Text));

        var text = new StringBuilder()
            .Append(displayName).Append(" (model ").Append(model).Append(") received ")
            .Append(priorTurns).Append(priorTurns == 1 ? " prior turn. " : " prior turns. ")
            .Append("You said: \"").Append(userText).Append("\". ");
        text.Append(previous is null
            ? "This is the start of our conversation."
            : $"My previous answer was: \"{Quote(previous.Text)}\".");
        return text.ToString();
    }

    private static string Quote(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= QuoteLimit ? flat : string.Concat(flat.AsSpan(0, QuoteLimit), "…");
    }

    // Deltas of a few words each, so clients see a real stream rather than one block.
    private static IEnumerable<string> Chunk(string text)
    {
        var words = text.Split(' ');
        const int wordsPerDelta = 4;
        for (var i = 0; i < words.Length; i += wordsPerDelta)
        {
            var end = Math.Min(i + wordsPerDelta, words.Length);
            var piece = string.Join(' ', words[i..end]);
            yield return end < words.Length ? piece + " " : piece;
        }
    }
}
