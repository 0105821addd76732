using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IResponseStore
{
    /// <inheritdoc/>
    public Task<ResponseRecord?> GetResponseAsync(string sandboxId, string runId, CancellationToken cancellationToken) =>
        ReadFirstAsync(
            "SELECT run_id, sandbox_id, instructions, previous_response_id, metadata, deleted_at FROM responses WHERE run_id = @run AND sandbox_id = @sandbox",
            r => new ResponseRecord(r.GetString(0), r.GetString(1),
                new ResponseDetails(r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4)), dialect.ReadTimeOrNull(r, 5)),
            cancellationToken, ("@run", runId), ("@sandbox", sandboxId));

    /// <inheritdoc/>
    public async Task DeleteResponseAsync(string sandboxId, string runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        await WriteOnceAsync(
            "INSERT INTO responses (run_id, sandbox_id, deleted_at) VALUES (@run, @sandbox, @at) " +
            "ON CONFLICT (run_id) DO UPDATE SET deleted_at = COALESCE(responses.deleted_at, excluded.deleted_at)",
            cancellationToken, ("@run", runId), ("@sandbox", sandboxId), ("@at", dialect.Time(at)));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TurnRecord>> ListRunTurnsAsync(string sandboxId, string windowId, string runId, CancellationToken cancellationToken) =>
        await ReadListAsync($"{TurnsOfWindow} AND t.run_id = @run ORDER BY t.seq",
            ReadTurn, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@run", runId));

    // Written in the run's start transaction: a response exists exactly when its run does.
    private static Task<int> InsertResponseAsync(SqlSession db, RunRecord run, ResponseDetails details, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertResponseStatement(run, details), cancellationToken);

    /// <summary>Inserts what a run started through the Responses API keeps.</summary>
    protected static SqlStatement InsertResponseStatement(RunRecord run, ResponseDetails details)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(details);
        return new(
            "INSERT INTO responses (run_id, sandbox_id, instructions, previous_response_id, metadata) VALUES (@run, @sandbox, @instructions, @previous, @metadata)",
            ("@run", run.Id), ("@sandbox", run.SandboxId), ("@instructions", details.Instructions), ("@previous", details.PreviousResponseId),
            ("@metadata", details.MetadataJson));
    }
}
