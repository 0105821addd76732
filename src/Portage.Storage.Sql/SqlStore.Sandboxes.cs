using Portage.Core.Recording;
using Portage.Core.Tenancy;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore
{
    // Every table that holds rows of a sandbox, children before parents (foreign keys), each with the test that picks
    // the sandbox's rows. A new table that belongs to a sandbox is added here, and the destroy conformance test (which
    // scans every table) fails until it is.
    private static readonly string[] s_sandboxRows =
    [
        "DELETE FROM responses WHERE sandbox_id = @sandbox",
        "DELETE FROM run_frames WHERE run_id IN (SELECT id FROM runs WHERE sandbox_id = @sandbox)",
        "DELETE FROM turns WHERE window_id IN (SELECT id FROM data_sources WHERE sandbox_id = @sandbox)",
        "DELETE FROM deliveries WHERE sandbox_id = @sandbox",
        "DELETE FROM chunks WHERE sandbox_id = @sandbox",
        "DELETE FROM ingest_jobs WHERE sandbox_id = @sandbox",
        "DELETE FROM sessions WHERE sandbox_id = @sandbox",
        "DELETE FROM runs WHERE sandbox_id = @sandbox",
        "DELETE FROM data_sources WHERE sandbox_id = @sandbox",
        "DELETE FROM spend_reservations WHERE sandbox_id = @sandbox",
        "DELETE FROM spend_ledger WHERE sandbox_id = @sandbox",
        "DELETE FROM end_user_limits WHERE sandbox_id = @sandbox",
        "DELETE FROM budget_denials WHERE sandbox_id = @sandbox",
        "DELETE FROM rate_counters WHERE sandbox_id = @sandbox",
    ];

    /// <inheritdoc/>
    public Task<SandboxRecord?> FindSandboxAsync(string sandboxId, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {SandboxColumns} FROM sandboxes WHERE id = @id", ReadSandbox, cancellationToken, ("@id", sandboxId));

    /// <inheritdoc/>
    public async Task<bool> UpdateSandboxAsync(SandboxRecord sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        await using var db = await WriteAsync(cancellationToken);
        try
        {
            await db.ExecuteAsync(
                $"UPDATE sandboxes SET name = @name, metadata = {dialect.Json("@metadata")}, status = @status, limits = {dialect.Json("@limits")} " +
                "WHERE id = @id AND account_id = @account",
                cancellationToken,
                ("@name", sandbox.Name), ("@metadata", sandbox.MetadataJson), ("@status", sandbox.Status), ("@limits", sandbox.LimitsJson),
                ("@id", sandbox.Id), ("@account", sandbox.AccountId));
            return true;
        }
        catch (System.Data.Common.DbException ex) when (dialect.IsUniqueViolation(ex, "ux_sandboxes_owner_name"))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task<SandboxDestruction> DestroySandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);

        // The sandbox's row first: a concurrent destroy or change of it waits here (SQLite: under the write lock).
        var found = await db.QueryAsync($"SELECT 1 FROM sandboxes WHERE id = @sandbox AND account_id = @account{dialect.Lock("FOR UPDATE")}",
            r => 1, cancellationToken, ("@sandbox", sandboxId), ("@account", accountId));
        if (found.Count == 0)
        {
            return SandboxDestruction.NotFound;
        }

        var running = await db.QueryAsync("SELECT 1 FROM runs WHERE sandbox_id = @sandbox AND status = @running LIMIT 1",
            r => 1, cancellationToken, ("@sandbox", sandboxId), ("@running", RunStatus.Running));
        if (running.Count > 0)
        {
            return SandboxDestruction.RunInProgress;
        }

        foreach (var statement in s_sandboxRows)
        {
            await db.ExecuteAsync(statement, cancellationToken, ("@sandbox", sandboxId));
        }

        await db.ExecuteAsync("DELETE FROM sandboxes WHERE id = @sandbox", cancellationToken, ("@sandbox", sandboxId));
        await db.CommitAsync(cancellationToken);
        return SandboxDestruction.Destroyed;
    }
}
