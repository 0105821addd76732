namespace Portage.Protocol.Retrieval;

/// <summary>Answer of discover: a menu of labelled items, not content (copass-compat §6.6).</summary>
public sealed record DiscoverResponse(
    string Header,
    IReadOnlyList<DiscoveryItem> Items,
    int Count,
    string SandboxId,
    string? ProjectId,
    string Query,
    string NextSteps);

/// <summary>One discover item.</summary>
/// <param name="Id">Item id, for example <c>item_7c3f0a12</c>.</param>
/// <param name="Score">Relevance 0–1.</param>
/// <param name="Summary">The path breadcrumb of the item.</param>
/// <param name="CanonicalIds">Root → leaf canonical ids; pass the list to interpret as one tuple.</param>
/// <param name="FilePaths">Source files of the item.</param>
public sealed record DiscoveryItem(string Id, double Score, string Summary, IReadOnlyList<string> CanonicalIds, IReadOnlyList<string> FilePaths);

/// <summary>Answer of interpret: a brief about the chosen items.</summary>
public sealed record InterpretResponse(
    string Brief,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<IReadOnlyList<string>> Items,
    string SandboxId,
    string? ProjectId,
    string Query)
{
    /// <summary>Portage extension: <c>extractive</c>, or <c>provider/model</c> that wrote the brief.</summary>
    public string Synthesis { get; init; } = "extractive";
}

/// <summary>Answer of search: a synthesized answer.</summary>
public sealed record SearchResponse(
    string Answer,
    string Preset,
    long ExecutionTimeMs,
    IReadOnlyList<string> Warnings,
    string SandboxId,
    string? ProjectId,
    string Query)
{
    /// <summary>Portage extension: the sources of the answer.</summary>
    public IReadOnlyList<Citation> Citations { get; init; } = [];

    /// <summary>Portage extension: <c>extractive</c>, or <c>provider/model</c> that wrote the answer.</summary>
    public string Synthesis { get; init; } = "extractive";
}

/// <summary>A source of a brief or answer.</summary>
public sealed record Citation(string CanonicalId, string Name, double Relevance);

/// <summary>Answer of origins: the files behind each canonical id, positionally aligned with the request.</summary>
public sealed record OriginsResponse(string SandboxId, IReadOnlyList<Origin> Origins);

/// <summary>The files of one canonical id (possibly none).</summary>
public sealed record Origin(string CanonicalId, IReadOnlyList<OriginFile> Files);

/// <summary>A file and how many indexed chunks came from it.</summary>
public sealed record OriginFile(string FilePath, int ExtractionCount);
