using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// What a run started through the OpenAI Responses API (<c>POST /v1/responses</c>) asked for beyond the run itself, kept
/// so that <c>GET /v1/responses/{id}</c> answers it back: the run has the rest (model, status, usage, turns).
/// </summary>
/// <param name="Instructions">The request's <c>instructions</c> (the run's system prompt), or null.</param>
/// <param name="PreviousResponseId">The response this one continued, or null.</param>
/// <param name="MetadataJson">The request's <c>metadata</c> object as JSON, or null.</param>
public sealed record ResponseDetails(string? Instructions, string? PreviousResponseId, string? MetadataJson);

/// <summary>A response's stored details: a run's, with the time the response was deleted (null while it stands).</summary>
public sealed record ResponseRecord(string RunId, string SandboxId, ResponseDetails Details, DateTimeOffset? DeletedAt);

/// <summary>
/// Storage seam of the Responses API. A response is a run seen through OpenAI's API: every run of a sandbox is one,
/// and the store keeps only what a run does not (<see cref="ResponseDetails"/>, written with the run's start) and
/// whether the response was deleted.
/// </summary>
public interface IResponseStore
{
    /// <summary>The stored details of the run's response, deleted or not; null when it has none (a run not started through the Responses API, never deleted).</summary>
    Task<ResponseRecord?> GetResponseAsync(string sandboxId, string runId, CancellationToken cancellationToken);

    /// <summary>Marks the run's response deleted at <paramref name="at"/> (the run and its turns stay); a response already deleted keeps its first time.</summary>
    Task DeleteResponseAsync(string sandboxId, string runId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The turns the run wrote in its window (its user turns, then its assistant turn), in order.</summary>
    Task<IReadOnlyList<TurnRecord>> ListRunTurnsAsync(string sandboxId, string windowId, string runId, CancellationToken cancellationToken);
}
