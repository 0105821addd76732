using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Providers;
using Portage.Core.Telemetry;

namespace Portage.Core.Retrieval;

/// <summary>
/// Writes the brief of interpret and the answer of search from the selected chunks: by a configured provider when
/// there is one (<see cref="RetrievalOptions.Synthesis"/>), else extractively (the best-matching sentences, cited),
/// and the response says which. A provider failure falls back to extractive with a warning.
/// </summary>
public sealed partial class BriefWriter(ProviderRegistry providers, IOptions<RetrievalOptions> options, ContentLogging content, ILogger<BriefWriter> logger)
{
    /// <summary>The synthesis label of extractive output.</summary>
    public const string Extractive = "extractive";

    private static readonly string[] PaidOrder = ["anthropic", "openai", "google"];

    /// <summary>The text, who wrote it (<c>extractive</c> or <c>provider/model</c>), and warnings.</summary>
    public async Task<(string Text, string Synthesis, List<string> Warnings)> WriteAsync(
        string query, IReadOnlyList<ChunkRecord> chunks, int? maxTokens, bool detailed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var warnings = new List<string>();
        if (chunks.Count == 0)
        {
            return ("Nothing new in this sandbox matches the question: what matched is already in the conversation, or nothing matched.", Extractive, warnings);
        }

        var writer = ChooseProvider();
        if (writer is not null)
        {
            try
            {
                var text = await WriteWithProviderAsync(writer, query, chunks, maxTokens ?? (detailed ? 1200 : 500), cancellationToken);
                return (text, $"{writer.Name}/{writer.DefaultModel}", warnings);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogSynthesisFailed(logger, content.Redact(ex), writer.Name);
                warnings.Add($"{writer.Name} could not write the answer ({ex.Message}); this one is extractive.");
            }
        }

        return (WriteExtractive(query, chunks, maxTokens ?? (detailed ? 800 : 300)), Extractive, warnings);
    }

    /// <summary>The best-matching sentences of the chunks, each cited by its chunk's number.</summary>
    public static string WriteExtractive(string query, IReadOnlyList<ChunkRecord> chunks, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var terms = Terms(query);
        var sentences = chunks
            .SelectMany((chunk, index) => Sentences(chunk.Content).Select((sentence, position) => (sentence, index, position)))
            .Select(s => (s.sentence, s.index, s.position, score: terms.Count(t => s.sentence.Contains(t, StringComparison.OrdinalIgnoreCase))))
            .Where(s => s.score > 0)
            .OrderByDescending(s => s.score).ThenBy(s => s.index).ThenBy(s => s.position)
            .ToList();
        if (sentences.Count == 0)
        {
            sentences = [.. chunks.Select((chunk, index) => (sentence: Sentences(chunk.Content).FirstOrDefault() ?? chunk.Content, index, position: 0, score: 0))];
        }

        var picked = new List<(string Sentence, int Index, int Position)>();
        var budget = maxTokens;
        foreach (var (sentence, index, position, _) in sentences)
        {
            var cost = TokenEstimator.Estimate(sentence);
            if (picked.Count > 0 && cost > budget)
            {
                break;
            }

            picked.Add((sentence, index, position));
            budget -= cost;
        }

        var text = new StringBuilder("Extractive brief (the indexed sentences that best match the question; no model wrote this):\n");
        foreach (var (sentence, index, _) in picked.OrderBy(p => p.Index).ThenBy(p => p.Position))
        {
            text.Append("- ").Append(sentence).Append(" [").Append(index + 1).Append("]\n");
        }

        text.Append("\nSources:\n");
        foreach (var index in picked.Select(p => p.Index).Distinct().Order())
        {
            text.Append('[').Append(index + 1).Append("] ").Append(chunks[index].Breadcrumb).Append(" (").Append(chunks[index].Id).Append(")\n");
        }

        return text.ToString().TrimEnd();
    }

    private ProviderDefinition? ChooseProvider()
    {
        var setting = options.Value.Synthesis;
        if (string.Equals(setting, Extractive, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var configured = providers.All.Where(p => p.Configured && !p.Free && !p.ServerSideSessions).ToList();
        if (!string.Equals(setting, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return configured.FirstOrDefault(p => string.Equals(p.Name, setting, StringComparison.OrdinalIgnoreCase));
        }

        return PaidOrder.Select(name => configured.FirstOrDefault(p => p.Name == name)).FirstOrDefault(p => p is not null);
    }

    private static async Task<string> WriteWithProviderAsync(ProviderDefinition provider, string query, IReadOnlyList<ChunkRecord> chunks, int maxTokens, CancellationToken cancellationToken)
    {
        var sources = new StringBuilder();
        for (var i = 0; i < chunks.Count; i++)
        {
            sources.Append('[').Append(i + 1).Append("] ").Append(chunks[i].Breadcrumb).Append(" (").Append(chunks[i].Id).Append(")\n").Append(chunks[i].Content).Append("\n\n");
        }

        var response = await provider.Client.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System, "Answer the question using only the numbered sources. Cite every claim as [n]. If the sources do not answer it, say so."),
                new ChatMessage(ChatRole.User, $"Sources:\n{sources}\nQuestion: {query}"),
            ],
            new ChatOptions { ModelId = provider.DefaultModel, MaxOutputTokens = maxTokens },
            cancellationToken);
        return response.Text;
    }

    private static HashSet<string> Terms(string query) =>
        Word().Matches(query).Select(m => m.Value.ToLowerInvariant()).Where(w => w.Length >= 3 && !StopWords.Contains(w)).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> Sentences(string text) =>
        SentenceBreak().Split(text).Select(s => s.Trim().TrimStart('#', '-', '*', ' ')).Where(s => s.Length >= 20);

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "how", "what", "when", "where", "which", "who",
        "why", "with", "this", "that", "from", "have", "has", "does", "did", "was", "were", "will", "about", "into", "our", "your",
    };

    [GeneratedRegex(@"[\p{L}\p{N}_]+")]
    private static partial Regex Word();

    [GeneratedRegex(@"(?<=[.!?])\s+|\n+")]
    private static partial Regex SentenceBreak();

    [LoggerMessage(LogLevel.Warning, "Synthesis by {Provider} failed; falling back to extractive")]
    private static partial void LogSynthesisFailed(ILogger logger, Exception exception, string provider);
}
