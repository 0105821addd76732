using System.Data.Common;
using Portage.Core.Sources;
using Portage.Core.Storage;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IDataSourceStore
{
    private const string SourceColumns =
        "id, sandbox_id, kind, provider, name, ingestion_mode, status, archived_reason, end_user_id, external_account_id, adapter_config, " +
        "poll_interval_seconds, project_id, webhook_url, last_sync_at, created_at, last_active_at, turn_count";

    /// <inheritdoc/>
    public async Task CreateSourceAsync(DataSourceRecord source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await WriteOnceAsync(
            $"INSERT INTO data_sources ({SourceColumns}) VALUES (@id, @sandbox, @kind, @provider, @name, @mode, @status, @reason, @user, @external, {dialect.Json("@config")}, " +
            "@poll, @project, @webhook, @sync, @created, @active, @turns)",
            cancellationToken,
            ("@id", source.Id), ("@sandbox", source.SandboxId), ("@kind", source.Kind), ("@provider", source.Provider), ("@name", source.Name),
            ("@mode", source.IngestionMode), ("@status", source.Status), ("@reason", source.ArchivedReason), ("@user", source.EndUserId),
            ("@external", source.ExternalAccountId), ("@config", source.AdapterConfigJson), ("@poll", source.PollIntervalSeconds), ("@project", source.ProjectId),
            ("@webhook", source.WebhookUrl), ("@sync", dialect.TimeOrNull(source.LastSyncAt)), ("@created", dialect.Time(source.CreatedAt)),
            ("@active", dialect.Time(source.LastActiveAt)), ("@turns", source.TurnCount));
    }

    /// <inheritdoc/>
    public async Task<DataSourceRecord?> GetSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        return await GetSourceAsync(db, sandboxId, sourceId, "", cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DataSourceRecord>> ListSourcesAsync(
        string sandboxId, DataSourceFilter filter, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ReadListAsync(
            $"SELECT {SourceColumns} FROM data_sources WHERE sandbox_id = @sandbox AND ({dialect.Text("@provider")} IS NULL OR provider = @provider) " +
            $"AND ({dialect.Text("@status")} IS NULL OR status = @status) AND ({dialect.Text("@kind")} IS NULL OR kind = @kind) " +
            $"AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user) " +
            $"AND ({dialect.Timestamp("@at")} IS NULL OR last_active_at < @at OR (last_active_at = @at AND id > {dialect.Text("@id")})) " +
            "ORDER BY last_active_at DESC, id LIMIT @limit",
            ReadSource, cancellationToken,
            ("@sandbox", sandboxId), ("@provider", filter.Provider), ("@status", filter.Status), ("@kind", filter.Kind), ("@user", filter.EndUserId),
            ("@at", dialect.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));
    }

    /// <inheritdoc/>
    public async Task<DataSourceRecord?> UpdateSourceAsync(
        string sandboxId, string sourceId, Func<DataSourceRecord, DataSourceRecord> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await using var db = await WriteTransactionAsync(cancellationToken);
        // FOR UPDATE (SQLite: the IMMEDIATE transaction's write lock): a concurrent update (any process) waits here and
        // then reads what this one wrote.
        var current = await GetSourceAsync(db, sandboxId, sourceId, dialect.Lock("FOR UPDATE"), cancellationToken);
        if (current is null)
        {
            return null;
        }

        var next = update(current);
        var stored = await db.QueryAsync(
            "UPDATE data_sources SET name = @name, ingestion_mode = @mode, status = @status, archived_reason = @reason, external_account_id = @external, " +
            $"adapter_config = {dialect.Json("@config")}, poll_interval_seconds = @poll, project_id = @project, webhook_url = @webhook, last_sync_at = @sync " +
            $"WHERE id = @id AND sandbox_id = @sandbox RETURNING {SourceColumns}",
            ReadSource, cancellationToken,
            ("@name", next.Name), ("@mode", next.IngestionMode), ("@status", next.Status), ("@reason", next.ArchivedReason),
            ("@external", next.ExternalAccountId), ("@config", next.AdapterConfigJson), ("@poll", next.PollIntervalSeconds), ("@project", next.ProjectId),
            ("@webhook", next.WebhookUrl), ("@sync", dialect.TimeOrNull(next.LastSyncAt)), ("@id", sourceId), ("@sandbox", sandboxId));
        await db.CommitAsync(cancellationToken);
        return stored.Single();
    }

    /// <inheritdoc/>
    public async Task<SourceDeletion> DeleteSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);
        if (await GetSourceAsync(db, sandboxId, sourceId, dialect.Lock("FOR UPDATE"), cancellationToken) is null)
        {
            return SourceDeletion.NotFound;
        }

        // A lease without a run row exists for a moment while a run is being planned: that counts as history too.
        var deleted = await db.ExecuteAsync(
            "DELETE FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND turn_count = 0 AND lease_run_id IS NULL " +
            "AND NOT EXISTS (SELECT 1 FROM turns WHERE window_id = @id) AND NOT EXISTS (SELECT 1 FROM sessions WHERE window_id = @id) " +
            "AND NOT EXISTS (SELECT 1 FROM runs WHERE window_id = @id)",
            cancellationToken, ("@id", sourceId), ("@sandbox", sandboxId));
        await db.CommitAsync(cancellationToken);
        return deleted == 1 ? SourceDeletion.Deleted : SourceDeletion.HasHistory;
    }

    /// <inheritdoc/>
    public async Task<SourcePurgeResult> PurgeSourceAsync(string sandboxId, string sourceId, bool deleteSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);
        // The row lock keeps a run from taking the lease between this check and the deletes.
        var leases = await db.QueryAsync(
            $"SELECT lease_run_id IS NOT NULL AND lease_expires_at > @now FROM data_sources WHERE id = @id AND sandbox_id = @sandbox{dialect.Lock("FOR UPDATE")}",
            r => r.GetBoolean(0), cancellationToken, ("@id", sourceId), ("@sandbox", sandboxId), ("@now", dialect.Time(now)));
        if (leases.Count == 0)
        {
            return SourcePurgeResult.Nothing(SourcePurgeOutcome.NotFound);
        }

        if (leases[0])
        {
            return SourcePurgeResult.Nothing(SourcePurgeOutcome.RunInProgress);
        }

        var turns = await db.ExecuteAsync("DELETE FROM turns WHERE window_id = @id", cancellationToken, ("@id", sourceId));
        // A run's event log repeats its text: purged with the turns, even where the runs themselves are kept.
        await db.ExecuteAsync("DELETE FROM run_frames WHERE run_id IN (SELECT id FROM runs WHERE window_id = @id)", cancellationToken, ("@id", sourceId));
        var sessions = await db.ExecuteAsync("DELETE FROM sessions WHERE window_id = @id", cancellationToken, ("@id", sourceId));
        var runs = 0;
        if (deleteSource)
        {
            runs = await db.ExecuteAsync("DELETE FROM runs WHERE window_id = @id", cancellationToken, ("@id", sourceId));
            await db.ExecuteAsync("DELETE FROM data_sources WHERE id = @id", cancellationToken, ("@id", sourceId));
        }
        else
        {
            // Sequence numbers come from turn_count: a purged window starts again at turn 1. An expired lease goes too.
            await db.ExecuteAsync("UPDATE data_sources SET turn_count = 0, lease_run_id = NULL, lease_expires_at = NULL WHERE id = @id",
                cancellationToken, ("@id", sourceId));
        }

        await db.CommitAsync(cancellationToken);
        return new SourcePurgeResult(SourcePurgeOutcome.Purged, turns, sessions, runs, deleteSource);
    }

    private Task<DataSourceRecord?> GetSourceAsync(SqlSession db, string sandboxId, string sourceId, string locking, CancellationToken cancellationToken) =>
        db.FirstOrDefaultAsync($"SELECT {SourceColumns} FROM data_sources WHERE id = @id AND sandbox_id = @sandbox{locking}",
            ReadSource, cancellationToken, ("@id", sourceId), ("@sandbox", sandboxId));

    private DataSourceRecord ReadSource(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        SandboxId = r.GetString(1),
        Kind = r.GetString(2),
        Provider = r.GetString(3),
        Name = r.GetString(4),
        IngestionMode = r.GetString(5),
        Status = r.GetString(6),
        ArchivedReason = r.StringOrNull(7),
        EndUserId = r.StringOrNull(8),
        ExternalAccountId = r.StringOrNull(9),
        AdapterConfigJson = r.GetString(10),
        PollIntervalSeconds = r.IsDBNull(11) ? null : r.GetInt32(11),
        ProjectId = r.StringOrNull(12),
        WebhookUrl = r.StringOrNull(13),
        LastSyncAt = dialect.ReadTimeOrNull(r, 14),
        CreatedAt = dialect.ReadTime(r, 15),
        LastActiveAt = dialect.ReadTime(r, 16),
        TurnCount = r.GetInt32(17),
    };
}
