using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Telemetry;

namespace Portage.Core.Retrieval;

/// <summary>
/// "Discover as step 1" (copass-compat §6.8): the first turn of a new session gets the top discover items for the
/// user's message as an extra user message in front of it, so the model starts from what the sandbox knows. The system
/// prompt is left untouched (prompt caches stay warm). Fail-open: any error means no block.
/// </summary>
public sealed partial class DiscoverPrefetch(RetrievalService retrieval, SharedContent shared, IOptions<RetrievalOptions> options, ContentLogging content, ILogger<DiscoverPrefetch> logger)
{
    /// <summary>
    /// The block for this query, or null when prefetch is off, the sandbox has no content, or nothing new matched.
    /// <paramref name="sharedContent"/> is whether the sandbox has shared content when the run already knows (null: asked here).
    /// </summary>
    public async Task<string?> BlockAsync(RetrievalScope scope, string query, bool? sharedContent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (!options.Value.Prefetch || string.IsNullOrWhiteSpace(query))
        {
            return null;
        }

        try
        {
            if (!(sharedContent ?? await shared.AnyAsync(scope.SandboxId, cancellationToken)))
            {
                return null;
            }

            var found = await retrieval.DiscoverAsync(scope, query.Length > RetrievalService.MaxQueryLength ? query[..RetrievalService.MaxQueryLength] : query, null, cancellationToken);
            if (found.Items.Count == 0)
            {
                return null;
            }

            var block = new StringBuilder("<copass_context>\nPre-fetched from the sandbox knowledge graph based on the user's question.\nQuery: ")
                .Append(found.Query).Append("\n\n");
            for (var i = 0; i < found.Items.Count; i++)
            {
                var item = found.Items[i];
                block.Append(i + 1).Append(". (score: ").Append(item.Score.ToString("0.00", CultureInfo.InvariantCulture)).Append(") ")
                    .Append(string.IsNullOrEmpty(item.Summary) ? "(no summary)" : item.Summary).Append('\n')
                    .Append("   canonical_ids: [").Append(string.Join(", ", item.CanonicalIds.Select(c => $"'{c}'"))).Append("]\n");
            }

            return block.Append('\n').Append(found.NextSteps).Append("\n</copass_context>").ToString();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPrefetchFailed(logger, content.Redact(ex), scope.SandboxId);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Discover prefetch failed in sandbox {SandboxId}; the run goes on without it")]
    private static partial void LogPrefetchFailed(ILogger logger, Exception exception, string sandboxId);
}
