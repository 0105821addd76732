namespace Portage.Protocol.Retrieval;

/// <summary>
/// Body of <c>POST /api/v1/query/sandboxes/{sid}/discover | interpret | search</c> (copass-compat §6.2). All fields are
/// nullable on the wire so the server can answer a missing one with a precise error.
/// </summary>
public sealed record RetrievalRequest
{
    /// <summary>The question, 1–5000 characters.</summary>
    public string? Query { get; init; }

    /// <summary>The conversation so far, oldest first; only the last 20 turns are used. Drives exclusion (§6.3).</summary>
    public IReadOnlyList<HistoryMessage>? History { get; init; }

    /// <summary>interpret only: tuples of canonical ids chosen from discover items (echoed back).</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Items { get; init; }

    /// <summary>Scope to one storage project; omitted = the whole sandbox.</summary>
    public string? ProjectId { get; init; }

    /// <summary><c>YYYY-MM-DD</c> anchor for relative dates (accepted; the full-text index does not interpret dates).</summary>
    public string? ReferenceDate { get; init; }

    /// <summary>
    /// Retrieval preset (copass-compat §6.5): <c>copass/copass_1.0</c>, <c>copass/copass_2.0</c>, <c>copass/1.0</c>,
    /// <c>copass/2.0</c>, <c>fast</c>, <c>auto</c>, <c>discover</c>, <c>sql</c> or <c>max</c>, answered with
    /// <c>copass/copass_1.0</c> semantics; <c>…:thinking</c> on search only. Search echoes it.
    /// </summary>
    public string? Preset { get; init; }

    /// <summary>interpret/search: size of the brief or answer in tokens (100–16000).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>search: <c>concise</c> or <c>detailed</c>.</summary>
    public string? DetailLevel { get; init; }

    /// <summary>
    /// Portage extension: also search this end user's conversation memory. Without it no conversation memory is
    /// searched at all.
    /// </summary>
    public string? EndUserId { get; init; }
}

/// <summary>One message of <see cref="RetrievalRequest.History"/>.</summary>
public sealed record HistoryMessage
{
    /// <summary><c>user</c>, <c>assistant</c> or <c>system</c>.</summary>
    public string? Role { get; init; }

    /// <summary>The message text.</summary>
    public string? Content { get; init; }

    /// <summary>Optional speaker name.</summary>
    public string? Name { get; init; }
}

/// <summary>Body of <c>POST /api/v1/query/sandboxes/{sid}/origins</c>.</summary>
public sealed record OriginsRequest
{
    /// <summary>1–100 canonical ids.</summary>
    public IReadOnlyList<string>? CanonicalIds { get; init; }

    /// <summary>Files per id, 1–50 (default 10).</summary>
    public int? LimitPerCanonical { get; init; }
}
