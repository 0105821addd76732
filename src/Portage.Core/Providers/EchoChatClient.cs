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
        if (ToolCallFor(list, options) is { } call)
        {
            // "/discover …", "/interpret …", "/search …": the offline model asks for the tool, so the loop runs without keys.
            await Task.Yield();
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, ModelId = model, Contents = [call] };
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ModelId = model,
                FinishReason = ChatFinishReason.ToolCalls,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = list.Sum(m => TokenEstimator.Estimate(m.Text)), OutputTokenCount = 8 })],
            };
            yield break;
        }

        var reply = list.Count > 0 && list[^1].Role == ChatRole.Tool ? DescribeResults(displayName, list[^1]) : Compose(displayName, model, list);
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

        var input = list.Sum(m => TokenEstimator.Estimate(m.Text));
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ModelId = model,
            ResponseId = responseId,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = input, OutputTokenCount = TokenEstimator.Estimate(reply), TotalTokenCount = input + TokenEstimator.Estimate(reply) })],
        };
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

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

    private static readonly string[] SlashTools = ["discover", "interpret", "search"];

    // A user message "/discover rate limits" becomes a call of the offered tool "discover" with that query.
    private static FunctionCallContent? ToolCallFor(List<ChatMessage> messages, ChatOptions? options)
    {
        if (messages.Count == 0 || messages[^1].Role != ChatRole.User || options?.Tools is not { Count: > 0 } tools)
        {
            return null;
        }

        // The user's own words are the last paragraph: a prefetch block may have been joined in front of them.
        var text = messages[^1].Text.Split("\n\n")[^1].Trim();
        var name = SlashTools.FirstOrDefault(t => text.StartsWith('/' + t + ' ', StringComparison.Ordinal));
        if (name is null || !tools.Any(t => t.Name == name))
        {
            return null;
        }

        var arguments = new Dictionary<string, object?> { ["query"] = text[(name.Length + 2)..].Trim() };
        if (name == "interpret")
        {
            arguments["items"] = LastDiscoveredItems(messages);
        }

        return new FunctionCallContent($"echo_call_{messages.Count}", name, arguments);
    }

    // interpret needs canonical id tuples: the offline model takes those of the last discover result it received.
    private static List<List<string>> LastDiscoveredItems(List<ChatMessage> messages)
    {
        foreach (var result in messages.AsEnumerable().Reverse().SelectMany(m => m.Contents).OfType<FunctionResultContent>())
        {
            var json = System.Text.Json.JsonSerializer.SerializeToElement(result.Result, AIJsonUtilities.DefaultOptions);
            if (json.ValueKind == System.Text.Json.JsonValueKind.Object && json.TryGetProperty("items", out var items) && items.GetArrayLength() > 0)
            {
                return [.. items.EnumerateArray().Take(2).Select(i => i.GetProperty("canonical_ids").EnumerateArray().Select(c => c.GetString() ?? "").ToList())];
            }
        }

        return [];
    }

    private static string DescribeResults(string displayName, ChatMessage toolMessage)
    {
        var text = new StringBuilder(displayName).Append(" received tool results: ");
        foreach (var result in toolMessage.Contents.OfType<FunctionResultContent>())
        {
            var json = System.Text.Json.JsonSerializer.Serialize(result.Result, CompactJson.Options);
            text.Append(json.Length <= 600 ? json : string.Concat(json.AsSpan(0, 600), "…")).Append(' ');
        }

        return text.ToString().TrimEnd();
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
