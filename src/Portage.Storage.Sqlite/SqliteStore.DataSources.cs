using Microsoft.Data.Sqlite;
using Portage.Core.Sources;
using Portage.Core.Storage;

namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore : IDataSourceStore
{
    private const string SourceColumns =
        "id, sandbox_id, kind, provider, name, ingestion_mode, status, archived_reason, end_user_id, external_account_id, adapter_config, " +
        "poll_interval_seconds, project_id, webhook_url, last_sync_at, created_at, last_active_at, turn_count";

    /// <inheritdoc/>
    public async Task CreateSourceAsync(DataSourceRecord source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            $"INSERT INTO data_sources ({SourceColumns}) VALUES ($id, $sandbox, $kind, $provider, $name, $mode, $status, $reason, $user, $external, $config, " +
            "$poll, $project, $webhook, $sync, $created, $active, $turns)",
            cancellationToken, null,
            ("$id", source.Id), ("$sandbox", source.SandboxId), ("$kind", source.Kind), ("$provider", source.Provider), ("$name", source.Name),
            ("$mode", source.IngestionMode), ("$status", source.Status), ("$reason", source.ArchivedReason), ("$user", source.EndUserId),
            ("$external", source.ExternalAccountId), ("$config", source.AdapterConfigJson), ("$poll", source.PollIntervalSeconds), ("$project", source.ProjectId),
            ("$webhook", source.WebhookUrl), ("$sync", Sql.TimeOrNull(source.LastSyncAt)), ("$created", Sql.Time(source.CreatedAt)),
            ("$active", Sql.Time(source.LastActiveAt)), ("$turns", source.TurnCount));
    }

    /// <inheritdoc/>
    public async Task<DataSourceRecord?> GetSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetSourceAsync(connection, null, sandboxId, sourceId, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DataSourceRecord>> ListSourcesAsync(
        string sandboxId, DataSourceFilter filter, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {SourceColumns} FROM data_sources WHERE sandbox_id = $sandbox AND ($provider IS NULL OR provider = $provider) " +
            "AND ($status IS NULL OR status = $status) AND ($kind IS NULL OR kind = $kind) AND ($user IS NULL OR end_user_id = $user) " +
            "AND ($at IS NULL OR last_active_at < $at OR (last_active_at = $at AND id > $id)) " +
            "ORDER BY last_active_at DESC, id LIMIT $limit",
            ReadSource, cancellationToken, null,
            ("$sandbox", sandboxId), ("$provider", filter.Provider), ("$status", filter.Status), ("$kind", filter.Kind), ("$user", filter.EndUserId),
            ("$at", Sql.TimeOrNull(after?.At)), ("$id", after?.Id), ("$limit", limit));
    }

    /// <inheritdoc/>
    public async Task<DataSourceRecord?> UpdateSourceAsync(
        string sandboxId, string sourceId, Func<DataSourceRecord, DataSourceRecord> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        // IMMEDIATE (the default of Microsoft.Data.Sqlite): the read below already holds the write lock.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var current = await GetSourceAsync(connection, transaction, sandboxId, sourceId, cancellationToken);
        if (current is null)
        {
            return null;
        }

        var next = update(current);
        await Sql.ExecuteAsync(connection,
            "UPDATE data_sources SET name = $name, ingestion_mode = $mode, status = $status, archived_reason = $reason, external_account_id = $external, " +
            "adapter_config = $config, poll_interval_seconds = $poll, project_id = $project, webhook_url = $webhook, last_sync_at = $sync " +
            "WHERE id = $id AND sandbox_id = $sandbox",
            cancellationToken, transaction,
            ("$name", next.Name), ("$mode", next.IngestionMode), ("$status", next.Status), ("$reason", next.ArchivedReason),
            ("$external", next.ExternalAccountId), ("$config", next.AdapterConfigJson), ("$poll", next.PollIntervalSeconds), ("$project", next.ProjectId),
            ("$webhook", next.WebhookUrl), ("$sync", Sql.TimeOrNull(next.LastSyncAt)), ("$id", sourceId), ("$sandbox", sandboxId));
        var stored = await GetSourceAsync(connection, transaction, sandboxId, sourceId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <inheritdoc/>
    public async Task<SourceDeletion> DeleteSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (await GetSourceAsync(connection, transaction, sandboxId, sourceId, cancellationToken) is null)
        {
            return SourceDeletion.NotFound;
        }

        // A lease without a run row exists for a moment while a run is being planned: that counts as history too.
        var deleted = await Sql.ExecuteAsync(connection,
            "DELETE FROM data_sources WHERE id = $id AND sandbox_id = $sandbox AND turn_count = 0 AND lease_run_id IS NULL " +
            "AND NOT EXISTS (SELECT 1 FROM turns WHERE window_id = $id) AND NOT EXISTS (SELECT 1 FROM sessions WHERE window_id = $id) " +
            "AND NOT EXISTS (SELECT 1 FROM runs WHERE window_id = $id)",
            cancellationToken, transaction, ("$id", sourceId), ("$sandbox", sandboxId));
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1 ? SourceDeletion.Deleted : SourceDeletion.HasHistory;
    }

    /// <inheritdoc/>
    public async Task<SourcePurgeResult> PurgeSourceAsync(string sandboxId, string sourceId, bool deleteSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var leases = await Sql.QueryAsync(connection,
            "SELECT lease_run_id IS NOT NULL AND lease_expires_at > $now FROM data_sources WHERE id = $id AND sandbox_id = $sandbox",
            r => r.GetBoolean(0), cancellationToken, transaction, ("$id", sourceId), ("$sandbox", sandboxId), ("$now", Sql.Time(now)));
        if (leases.Count == 0)
        {
            return SourcePurgeResult.Nothing(SourcePurgeOutcome.NotFound);
        }

        if (leases[0])
        {
            return SourcePurgeResult.Nothing(SourcePurgeOutcome.RunInProgress);
        }

        var turns = await Sql.ExecuteAsync(connection, "DELETE FROM turns WHERE window_id = $id", cancellationToken, transaction, ("$id", sourceId));
        // A run's event log repeats its text: purged with the turns, even where the runs themselves are kept.
        await Sql.ExecuteAsync(connection, "DELETE FROM run_events WHERE run_id IN (SELECT id FROM runs WHERE window_id = $id)", cancellationToken, transaction, ("$id", sourceId));
        var sessions = await Sql.ExecuteAsync(connection, "DELETE FROM sessions WHERE window_id = $id", cancellationToken, transaction, ("$id", sourceId));
        var runs = 0;
        if (deleteSource)
        {
            runs = await Sql.ExecuteAsync(connection, "DELETE FROM runs WHERE window_id = $id", cancellationToken, transaction, ("$id", sourceId));
            await Sql.ExecuteAsync(connection, "DELETE FROM data_sources WHERE id = $id", cancellationToken, transaction, ("$id", sourceId));
        }
        else
        {
            // Sequence numbers come from turn_count: a purged window starts again at turn 1. An expired lease goes too.
            await Sql.ExecuteAsync(connection, "UPDATE data_sources SET turn_count = 0, lease_run_id = NULL, lease_expires_at = NULL WHERE id = $id",
                cancellationToken, transaction, ("$id", sourceId));
        }

        await transaction.CommitAsync(cancellationToken);
        return new SourcePurgeResult(SourcePurgeOutcome.Purged, turns, sessions, runs, deleteSource);
    }

    private static async Task<DataSourceRecord?> GetSourceAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        var rows = await Sql.QueryAsync(connection, $"SELECT {SourceColumns} FROM data_sources WHERE id = $id AND sandbox_id = $sandbox",
            ReadSource, cancellationToken, transaction, ("$id", sourceId), ("$sandbox", sandboxId));
        return rows.FirstOrDefault();
    }

    private static DataSourceRecord ReadSource(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        SandboxId = r.GetString(1),
        Kind = r.GetString(2),
        Provider = r.GetString(3),
        Name = r.GetString(4),
        IngestionMode = r.GetString(5),
        Status = r.GetString(6),
        ArchivedReason = Sql.ReadStringOrNull(r, 7),
        EndUserId = Sql.ReadStringOrNull(r, 8),
        ExternalAccountId = Sql.ReadStringOrNull(r, 9),
        AdapterConfigJson = r.GetString(10),
        PollIntervalSeconds = r.IsDBNull(11) ? null : r.GetInt32(11),
        ProjectId = Sql.ReadStringOrNull(r, 12),
        WebhookUrl = Sql.ReadStringOrNull(r, 13),
        LastSyncAt = Sql.ReadTimeOrNull(r, 14),
        CreatedAt = Sql.ReadTime(r, 15),
        LastActiveAt = Sql.ReadTime(r, 16),
        TurnCount = r.GetInt32(17),
    };
}
