namespace Portage.Protocol.Sources;

/// <summary>Body of <c>POST …/sources/{window_id}/compact</c> (Portage extension); every field is optional.</summary>
public sealed record CompactWindowRequest
{
    /// <summary>When given, the window must belong to this end user (else 404, as for a missing window).</summary>
    public string? EndUserId { get; init; }

    /// <summary>The provider that writes the summary; default <c>Compaction:Provider</c>, else the window's latest answer's provider.</summary>
    public string? Provider { get; init; }

    /// <summary>The summariser's model; default the provider's.</summary>
    public string? Model { get; init; }

    /// <summary>How many of the newest exchanges stay verbatim; default <c>Compaction:KeepExchanges</c>.</summary>
    public int? KeepExchanges { get; init; }
}

/// <summary>Answer of <c>POST …/sources/{window_id}/compact</c>.</summary>
public sealed record CompactWindowResponse
{
    /// <summary>The window.</summary>
    public required string ContextWindowId { get; init; }

    /// <summary>False when nothing precedes the exchanges kept verbatim (no turn was written).</summary>
    public required bool Compacted { get; init; }

    /// <summary>The compaction turn's seq.</summary>
    public long? SummarySeq { get; init; }

    /// <summary>First window turn the summary stands for.</summary>
    public long? ReplacedFromSeq { get; init; }

    /// <summary>Last window turn the summary stands for.</summary>
    public long? ReplacedToSeq { get; init; }

    /// <summary>Estimated tokens of the conversation since the previous summary, before.</summary>
    public int TokensBefore { get; init; }

    /// <summary>The same, after.</summary>
    public int TokensAfter { get; init; }

    /// <summary>The provider that wrote the summary.</summary>
    public string? Provider { get; init; }

    /// <summary>Its model.</summary>
    public string? Model { get; init; }

    /// <summary>The summary text.</summary>
    public string? Summary { get; init; }
}
