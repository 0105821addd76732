using Portage.Core.Tenancy;

namespace Portage.Core.Retrieval;

/// <summary>Settings of retrieval, bound from the <c>Retrieval</c> configuration section.</summary>
public sealed class RetrievalOptions
{
    /// <summary>Items in one discover menu.</summary>
    public int DiscoverItems { get; set; } = 5;

    /// <summary>Chunks given to a brief or an answer.</summary>
    public int ContextChunks { get; set; } = 6;

    /// <summary>History turns used for exclusion (copass-compat §6.2 caps at 20).</summary>
    public int HistoryTurns { get; set; } = 20;

    /// <summary>
    /// Who writes briefs and answers: <c>auto</c> (the first configured paid provider, else extractive),
    /// <c>extractive</c>, or a provider name.
    /// </summary>
    public string Synthesis { get; set; } = "auto";

    /// <summary>Whether a new session's first turn gets the discover prefetch block (copass-compat §6.8).</summary>
    public bool Prefetch { get; set; } = true;
}

/// <summary>Where a retrieval call runs: the sandbox, and inside a run the end user, window and run.</summary>
/// <param name="SandboxId">The sandbox searched.</param>
/// <param name="ProjectId">Only this project's content, when set.</param>
/// <param name="EndUserId">Whose conversation memory is searched too; null: none.</param>
/// <param name="WindowId">Inside a run: the window whose delivery ledger excludes what its agent already has.</param>
/// <param name="RunId">Inside a run: the run that records new deliveries.</param>
public sealed record RetrievalScope(string SandboxId, string? ProjectId, string? EndUserId, string? WindowId = null, string? RunId = null)
{
    /// <summary>A run's retrieval: its sandbox, end user and window (whose ledger is the exclusion set), no project.</summary>
    public static RetrievalScope Of(RunScope run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.SandboxId, null, run.EndUserId, run.WindowId, run.RunId);
    }
}
