namespace Portage.Core.Compaction;

/// <summary>
/// When and how a long conversation is compacted, bound from the <c>Compaction</c> configuration section: past
/// <see cref="Threshold"/> of the run's input budget, the oldest turns are replaced by a summary written by
/// <see cref="Provider"/>/<see cref="Model"/> (default: the run's own), keeping the last <see cref="KeepExchanges"/>
/// exchanges verbatim.
/// </summary>
public sealed class CompactionOptions
{
    /// <summary>False turns compaction off: over the budget, the oldest turns are only dropped.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The share of the input budget (0.1–1) a run may fill before its oldest part is summarised.</summary>
    public double Threshold { get; set; } = 0.8;

    /// <summary>How many of the newest exchanges (a user turn and the answers to it) stay verbatim.</summary>
    public int KeepExchanges { get; set; } = 4;

    /// <summary>The provider that writes summaries; empty for the run's own. <c>echo</c> writes an extractive one offline.</summary>
    public string? Provider { get; set; }

    /// <summary>The summariser's model; empty for the provider's default (or the run's model when it is the run's provider).</summary>
    public string? Model { get; set; }

    /// <summary>Longest summary asked of the summariser (tokens).</summary>
    public int SummaryMaxTokens { get; set; } = 1024;

    /// <summary>
    /// Most tokens of old turns read for one summary; older ones are left out of it (a window that grew for a long time
    /// before its first compaction is summarised from its latest part).
    /// </summary>
    public int MaxSourceTokens { get; set; } = 120_000;

    /// <summary>Why the settings cannot be used, or null.</summary>
    public string? Problem() =>
        Threshold is < 0.1 or > 1 ? $"Compaction:Threshold must be between 0.1 and 1 (got {Threshold})."
        : KeepExchanges < 0 ? $"Compaction:KeepExchanges must be 0 or more (got {KeepExchanges})."
        : SummaryMaxTokens < 64 ? $"Compaction:SummaryMaxTokens must be at least 64 (got {SummaryMaxTokens})."
        : MaxSourceTokens < 1000 ? $"Compaction:MaxSourceTokens must be at least 1000 (got {MaxSourceTokens})."
        : null;
}
