using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Compaction;

/// <summary>A run's conversation after automatic compaction, and the frame that tells the client, when it happened.</summary>
/// <param name="Conversation">What the run sends.</param>
/// <param name="Frame">The <c>context_compacted</c> frame, or null when nothing was compacted.</param>
/// <param name="SummaryUsage">What the summary cost (the run pays it), or null.</param>
public sealed record CompactedConversation(Conversation Conversation, ContextCompacted? Frame, Usage? SummaryUsage = null);

/// <summary>
/// Automatic compaction inside a run: when the conversation a run would send passes <c>Compaction:Threshold</c> of its
/// message budget, the oldest part is summarised (<see cref="Compactor"/>) and the conversation is made again from the
/// summary and the newest exchanges. A continued session with nothing to catch up on keeps its native transcript's
/// newest exchanges (tool calls and results as the provider sent them); otherwise the summary and the kept window turns
/// are rendered as for a new session. A summariser that fails leaves the run with the fitted conversation (the oldest
/// exchanges dropped), and the run still answers. The run holds the window's lease.
/// </summary>
public sealed partial class ConversationCompaction(Compactor compactor, ContentLogging content, TimeProvider time, ILogger<ConversationCompaction> logger)
{
    /// <summary>Compacts <paramref name="conversation"/> when it is past the threshold; otherwise returns it unchanged.</summary>
    /// <param name="scope">The run.</param>
    /// <param name="provider">The run's provider (the summariser unless <c>Compaction:Provider</c> names another).</param>
    /// <param name="model">The run's model.</param>
    /// <param name="conversation">The conversation as built and fitted.</param>
    /// <param name="cancellationToken">Cancels the summariser; a cancelled compaction leaves the conversation as it was.</param>
    public async Task<CompactedConversation> CompactAsync(
        RunScope scope, ProviderDefinition provider, string model, Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(conversation);
        var parts = conversation.Parts;
        if (provider.ServerSideSessions || !compactor.Wanted(conversation.MessageTokensBefore, parts.MessageBudgetTokens))
        {
            return new CompactedConversation(conversation, null);
        }

        using var span = PortageTelemetry.Source.StartActivity("compact_window");
        try
        {
            var keptBudget = parts.Effective.HistoryTokens(parts.NewestTokens) / 2;
            var plan = await compactor.PlanAsync(scope.SandboxId, scope.WindowId, scope.RunId, provider, model, compactor.Settings.KeepExchanges,
                keptBudget, cancellationToken);
            if (plan is null)
            {
                return new CompactedConversation(conversation, null);
            }

            var compacted = ConversationBuilder.Build(Remake(parts, plan, scope.WindowId));
            var before = conversation.Fitted.TokensBefore;
            var after = compacted.Fitted.TokensAfter;
            if (after >= before)
            {
                // A summary no shorter than what it replaces (a few short turns) is not worth a turn of the window.
                return new CompactedConversation(conversation, null);
            }

            var seq = await compactor.CommitAsync(scope.SandboxId, scope.WindowId, scope.RunId, plan, before, after, cancellationToken);
            span?.SetTag("portage.compaction.replaced_to_seq", plan.ToSeq);
            span?.SetTag("portage.context.tokens_before", before);
            span?.SetTag("portage.context.tokens_after", after);
            return seq is { } summarySeq
                ? new CompactedConversation(compacted, new ContextCompacted(summarySeq, plan.FromSeq, plan.ToSeq, before, after), plan.Summary.Usage)
                : new CompactedConversation(conversation, null);
        }
        catch (Exception ex)
        {
            // Also a cancelled summary: the agent loop sees the cancellation and records the run as cancelled.
            PortageTelemetry.Fail(span, ex);
            LogCompactionFailed(logger, content.Redact(ex), scope.RunId);
            return new CompactedConversation(conversation, null);
        }
    }

    private ConversationParts Remake(ConversationParts parts, CompactionPlan plan, string windowId)
    {
        if (parts.Native.Count > 0 && parts.WindowTurns.Count == 0)
        {
            // Nothing to catch up on: the transcript is the window's recent past, so its newest exchanges are the kept ones.
            var exchanges = ConversationFitter.NativeExchanges(parts.Native);
            var keep = Math.Min(plan.KeptExchanges, exchanges.Count);
            List<ChatMessage> native = [new ChatMessage(ChatRole.User, plan.Message), .. exchanges.Skip(exchanges.Count - keep).SelectMany(e => e)];
            return parts with { Native = native };
        }

        var summary = new TurnRecord(windowId, plan.ToSeq, TurnRole.Compaction, "Summary", plan.Summary.Provider, plan.Summary.Model, null,
            RunStatus.Succeeded, time.GetUtcNow(), TokenEstimator.Estimate(plan.Message),
            [new TurnPart(TurnPartType.Compaction, Text: plan.Summary.Text, Compacts: new CompactedRange(plan.FromSeq, plan.ToSeq, 0, 0))]);
        return parts with { Native = [], WindowTurns = [summary, .. plan.Kept], AfterSeq = 0 };
    }

    [LoggerMessage(LogLevel.Warning, "Compacting the window of run {RunId} failed; the oldest turns are dropped instead")]
    private static partial void LogCompactionFailed(ILogger logger, Exception exception, string runId);
}
