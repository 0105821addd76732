using Portage.Protocol;
using Portage.Protocol.Accounting;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>Stored runs and end users of a sandbox (Portage extensions the console reads).</summary>
public sealed class RunsResource
{
    private readonly RouterConnection _connection;


    internal RunsResource(RouterConnection connection) => _connection = connection;

    /// <summary>A page of runs, newest first (<c>GET …/agents/runs</c>); pass <see cref="RunList.NextCursor"/> back as <paramref name="cursor"/>.</summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">Only runs of this window.</param>
    /// <param name="status">Only runs with this status.</param>
    /// <param name="endUserId">Only runs of this end user.</param>
    /// <param name="limit">Page size, 1–200 (server default 50).</param>
    /// <param name="cursor">The previous page's <c>next_cursor</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<RunList> ListAsync(
        string sandboxId, string? contextWindowId = null, string? status = null, string? endUserId = null, int? limit = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "runs.list", HttpMethod.Get,
            Paths.Query(Paths.Runs(sandboxId), ("context_window_id", contextWindowId), ("status", status), ("end_user_id", endUserId),
                ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.RunList, content: null, cancellationToken);

    /// <summary>Every run matching the filters, page by page, newest first.</summary>
    public async IAsyncEnumerable<RunInfo> ListAllAsync(
        string sandboxId, string? contextWindowId = null, string? status = null, string? endUserId = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(sandboxId, contextWindowId, status, endUserId, 200, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Runs)
            {
                yield return run;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>One run (<c>GET …/agents/runs/{run_id}</c>); 404 <c>run_not_found</c> otherwise.</summary>
    public Task<RunInfo> GetAsync(string sandboxId, string runId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "runs.get", HttpMethod.Get, $"{Paths.Runs(sandboxId)}/{Paths.Segment(runId, nameof(runId))}",
            ProtocolJson.Default.RunInfo, content: null, cancellationToken);

    /// <summary>
    /// Stops a run on whichever replica runs it (<c>POST …/agents/runs/{run_id}/cancel</c>): the provider call is
    /// cancelled and the run recorded <c>cancelled</c>. Returns the run; a run that had already ended is returned as it is.
    /// </summary>
    public Task<RunInfo> CancelAsync(string sandboxId, string runId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "runs.cancel", HttpMethod.Post, $"{Paths.Runs(sandboxId)}/{Paths.Segment(runId, nameof(runId))}/cancel",
            ProtocolJson.Default.RunInfo, content: null, cancellationToken);

    /// <summary>
    /// Every end user of a sandbox with their window and run counts and usage (<c>GET …/end-users</c>), most recently
    /// active first, following the pages to the end; <see cref="ListEndUsersPageAsync"/> reads one page.
    /// </summary>
    public async Task<EndUserList> ListEndUsersAsync(string sandboxId, CancellationToken cancellationToken = default)
    {
        var page = await ListEndUsersPageAsync(sandboxId, null, null, cancellationToken).ConfigureAwait(false);
        var users = page.EndUsers.ToList();
        while (page.NextCursor is { } cursor)
        {
            page = await ListEndUsersPageAsync(sandboxId, null, cursor, cancellationToken).ConfigureAwait(false);
            users.AddRange(page.EndUsers);
        }

        return new EndUserList(users, users.Count);
    }

    /// <summary>
    /// One page of a sandbox's end users, most recently active first (<c>GET …/end-users?limit=&amp;cursor=</c>); pass
    /// <see cref="EndUserList.NextCursor"/> back as <paramref name="cursor"/> while it is not null.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="limit">End users per page, 1–500 (server default 100).</param>
    /// <param name="cursor">The previous page's <c>next_cursor</c>; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<EndUserList> ListEndUsersPageAsync(string sandboxId, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "end_users.list", HttpMethod.Get,
            Paths.Query($"{Paths.Sandbox(sandboxId)}/end-users", ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.EndUserList, content: null, cancellationToken);
}
