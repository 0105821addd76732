using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Compaction;

/// <summary>What a forced compaction did.</summary>
/// <param name="Compacted">False when the window had nothing older than the exchanges kept verbatim.</param>
/// <param name="SummarySeq">The compaction turn's seq.</param>
/// <param name="Plan">The summary and its range, when compacted.</param>
/// <param name="TokensBefore">Estimated tokens of the window's conversation before (since the previous summary).</param>
/// <param name="TokensAfter">The same after.</param>
public sealed record ForcedCompaction(bool Compacted, long? SummarySeq, CompactionPlan? Plan, int TokensBefore, int TokensAfter);

/// <summary>
/// <c>POST …/sources/{window_id}/compact</c>: compacts a window now, for operators and tests, holding its lease like a
/// run (so it never races one). The summariser is the one named, else <c>Compaction:Provider</c>, else the provider of
/// the window's latest answer, else <c>echo</c>. Runs that start after it read the summary instead of the turns it replaced.
/// </summary>
public sealed class WindowCompaction(WindowLeases leases, Compactor compactor, IWindowStore windows, ProviderRegistry providers, IIdGenerator ids)
{
    /// <summary>Compacts <paramref name="window"/>, keeping <paramref name="keepExchanges"/> (default <c>Compaction:KeepExchanges</c>).</summary>
    public async Task<ForcedCompaction> CompactAsync(
        string sandboxId, WindowRecord window, string? provider, string? model, int? keepExchanges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (keepExchanges is < 0 or > 1000)
        {
            throw PortageException.BadRequest("invalid_keep_exchanges", "keep_exchanges is a whole number from 0 to 1000.");
        }

        var summariser = await ChooseAsync(sandboxId, window.Id, provider, cancellationToken);
        var configured = string.IsNullOrWhiteSpace(provider) ? compactor.Settings.Model : null;
        var summariserModel = !string.IsNullOrWhiteSpace(model) ? model.Trim() : !string.IsNullOrWhiteSpace(configured) ? configured : summariser.DefaultModel;
        await using var lease = await leases.AcquireAsync(window, ids.NewId("cmp"), named: false, cancellationToken);
        await lease.TakeFromStoreAsync(cancellationToken);
        lease.KeepAlive(cancellationToken);
        var plan = await compactor.PlanAsync(sandboxId, window.Id, null, summariser, summariserModel,
            keepExchanges ?? compactor.Settings.KeepExchanges, int.MaxValue, cancellationToken);
        if (plan is null)
        {
            return new ForcedCompaction(false, null, null, 0, 0);
        }

        var before = plan.ReplacedTokens + plan.KeptTokens;
        var after = TokenEstimator.Estimate(plan.Message) + plan.KeptTokens;
        var seq = await compactor.CommitAsync(sandboxId, window.Id, null, plan, before, after, cancellationToken);
        await lease.StopRenewingAsync();
        return new ForcedCompaction(seq is not null, seq, plan, before, after);
    }

    private async Task<ProviderDefinition> ChooseAsync(string sandboxId, string windowId, string? named, CancellationToken cancellationToken)
    {
        var name = named;
        if (string.IsNullOrWhiteSpace(name))
        {
            name = compactor.Settings.Provider;
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            var latest = await windows.ListTurnsBeforeAsync(sandboxId, windowId, long.MaxValue, 0, 16, cancellationToken);
            name = latest.LastOrDefault(t => t.Role == TurnRole.Assistant && t.Provider is not null)?.Provider ?? "echo";
        }

        var provider = providers.Resolve(name);
        return provider.Configured && !provider.ServerSideSessions ? provider
            : throw PortageException.BadRequest("provider_not_configured",
                $"Provider '{provider.Name}' cannot write summaries here: {(provider.Configured ? "it keeps its sessions server-side" : $"set {provider.Needs} and restart the router")}. Name another with \"provider\".");
    }
}
