using System.Globalization;
using Microsoft.Data.Sqlite;
using Portage.Core.Ingest;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Sources;
using Portage.Core.Windows;
using Portage.Storage.Sqlite;

namespace Portage.Storage.Tests;

/// <summary>
/// A data folder written by a v1 build (schema 0001: context windows in a <c>windows</c> table) opened by this build:
/// every row survives migration 0002, the windows become ephemeral data sources, and the run path works on them.
/// </summary>
public sealed class SqliteMigrationTests : IDisposable
{
    private const string V1Time = "2025-03-14T09:26:53.5890000Z";
    private static readonly DateTimeOffset s_v1Time = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);
    private static readonly CancellationToken s_none = CancellationToken.None;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-storage-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_folder, "portage.db");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_v1_database_keeps_its_windows_turns_sessions_and_runs_as_ephemeral_data_sources()
    {
        await WriteV1DatabaseAsync();

        using var database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(database);

        var window = await store.GetWindowAsync("sb_1", "ds_chat", "u-1", s_none);
        Assert.Equal(new WindowRecord("ds_chat", "sb_1", "u-1", "support chat", SourceStatus.Active, null, s_v1Time, s_v1Time.AddMinutes(1), 2), window);
        var swept = await store.GetWindowAsync("sb_1", "ds_swept", null, s_none);
        Assert.Equal((SourceStatus.Archived, ArchiveReason.Inactivity, (string?)null), (swept?.Status, swept?.ArchivedReason, swept?.EndUserId));

        var sources = await store.ListSourcesAsync("sb_1", new DataSourceFilter(), null, 100, s_none);
        Assert.Equal(["ds_chat", "ds_swept"], sources.Select(s => s.Id));
        Assert.All(sources, s => Assert.Equal((SourceKind.Ephemeral, "custom", SourceIngestionMode.Manual, "{}"), (s.Kind, s.Provider, s.IngestionMode, s.AdapterConfigJson)));
        Assert.All(sources, s => Assert.Null(s.ExternalAccountId ?? s.ProjectId ?? s.WebhookUrl ?? (object?)s.PollIntervalSeconds ?? s.LastSyncAt));

        var turns = await store.ListTurnsAsync("sb_1", "ds_chat", 0, 100, s_none);
        Assert.Equal(["hello from v1", "hi, I remember"], turns.Select(t => t.Text));
        var session = await store.GetSessionAsync("sb_1", "sess_1", "u-1", s_none);
        Assert.Equal(("ds_chat", "echo", 2L), (session?.WindowId, session?.Provider, session?.LastWindowSeq));
        var run = await store.GetRunAsync("sb_1", "run_1", s_none);
        Assert.Equal(("ds_chat", RunStatus.Succeeded, "end_turn"), (run?.WindowId, run?.Status, run?.StopReason));
        Assert.Equal("ds_chat", (await store.FindActiveWindowAsync("sb_1", "u-1", s_none))?.Id);

        Assert.Equal(SqliteDatabase.LatestVersion, await ScalarAsync<long>("PRAGMA user_version;"));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name = 'windows'"));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM pragma_foreign_key_check"));
        Assert.Equal(3, await ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name IN ('turns', 'sessions', 'runs') AND sql LIKE '%REFERENCES \"data_sources\"%'"));

        // Migration 0006 rebuilt sandboxes (names unique per account): the row and its children's references survive.
        var sandbox = await store.GetSandboxAsync("acct_1", "sb_1", s_none);
        Assert.Equal(("acct_1", "default", "free"), (sandbox?.OwnerId, sandbox?.Name, sandbox?.Tier));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%sandboxes_v6%'"));
        await Assert.ThrowsAsync<SqliteException>(() => store.CreateSourceAsync(Repository("ds_orphan", "sb_missing"), s_none));

        // Migration 0007 gave keys a scope: a key from before scopes is admin, so its owner keeps every right.
        Assert.Equal(Portage.Protocol.Tenancy.ApiKeyScopes.Admin, (await store.FindApiKeyByHashAsync(new string('1', 64), s_none))?.Scope);
    }

    [Fact]
    public async Task The_run_path_continues_a_migrated_window_and_the_sweeper_sees_only_ephemeral_sources()
    {
        await WriteV1DatabaseAsync();
        using var database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(database);
        await store.CreateSourceAsync(Repository("ds_repo", "sb_1"), s_none);

        var window = (await store.GetWindowAsync("sb_1", "ds_chat", "u-1", s_none))!;
        var run = new RunRecord("run_2", "sb_1", "u-1", "ds_chat", "sess_1", "echo", "echo-1", RunStatus.Running, s_v1Time.AddHours(1));
        Assert.True(await store.TryAcquireLeaseAsync(window.Id, run.Id, run.StartedAt, run.StartedAt.AddMinutes(1), s_none));
        var seqs = await store.StartRunAsync(new RunStart(run, null,
            [new NewTurn(TurnRole.User, "User", "echo", "echo-1", run.Id, RunStatus.Succeeded, run.StartedAt, 3, [TurnPart.OfText("after the upgrade")])]), s_none);

        Assert.Equal([3L], seqs);
        Assert.Equal(3, (await store.GetSourceAsync("sb_1", "ds_chat", s_none))?.TurnCount);

        // Foreign keys of turns, sessions and runs now point at data_sources: purging with the registration works.
        await store.ReleaseLeaseAsync(window.Id, run.Id, s_none);
        Assert.Equal(1, await store.ArchiveInactiveWindowsAsync(null, s_v1Time.AddDays(2), s_v1Time.AddDays(2), s_none));
        Assert.Equal(SourceStatus.Active, (await store.GetSourceAsync("sb_1", "ds_repo", s_none))?.Status);
        var purge = await store.PurgeSourceAsync("sb_1", "ds_chat", deleteSource: true, s_v1Time.AddDays(2), s_none);
        Assert.Equal(new SourcePurgeResult(SourcePurgeOutcome.Purged, 3, 1, 2, true), purge);
    }

    [Fact]
    public async Task Ingest_jobs_queued_by_a_v6_build_are_claimed_after_the_upgrade_first_and_in_their_old_order()
    {
        await WriteV6DatabaseWithQueuedJobsAsync();
        using var database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(database);
        await store.EnqueueAsync(new IngestJobRecord("job_new", "sb_1", null, null, null, "queued after the upgrade", "text", null, null, null, null,
            IngestStatus.Queued, 0, null, null, s_v1Time.AddHours(1), null, null), s_none);

        var claimed = new List<IngestJobRecord?>();
        for (var i = 0; i < 4; i++)
        {
            claimed.Add(await store.ClaimNextAsync(s_v1Time.AddHours(2), s_v1Time.AddHours(3), 1, s_none));
        }

        Assert.Equal(["job_old_1", "job_old_2", "job_new", null], claimed.Select(j => j?.Id));
        Assert.Equal(("text from v6", null), (claimed[0]!.Text, claimed[0]!.Turns));
    }

    [Fact]
    public async Task Chunks_indexed_by_a_v10_build_are_found_after_the_upgrade_by_their_own_sandbox_and_end_user_only()
    {
        await WriteDatabaseAsync(10, $$"""
            INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at) VALUES ('sb_2', 'acct_1', 'acct_1', 'other', 'free', 'active', NULL, '{{V1Time}}');
            INSERT INTO chunks (id, sandbox_id, end_user_id, canonical_path, breadcrumb, source_type, content, content_hash, token_estimate, job_id, created_at)
                VALUES ('chunk:doc', 'sb_1', NULL, '["chunk:doc"]', 'doc', 'text', 'the lantern manual', 'h1', 4, 'job_1', '{{V1Time}}'),
                       ('chunk:mine', 'sb_1', 'u-1', '["chunk:mine"]', 'chat', 'conversation', 'my lantern is red', 'h2', 4, 'job_2', '{{V1Time}}'),
                       ('chunk:theirs', 'sb_1', 'u-2', '["chunk:theirs"]', 'chat', 'conversation', 'my lantern is blue', 'h3', 4, 'job_3', '{{V1Time}}'),
                       ('chunk:elsewhere', 'sb_2', NULL, '["chunk:elsewhere"]', 'doc', 'text', 'a lantern elsewhere', 'h4', 4, 'job_4', '{{V1Time}}');
            """);
        using var database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(database);

        async Task<IEnumerable<string>> Found(string sandbox, string? user) =>
            (await store.SearchAsync(new Portage.Core.Retrieval.ContentQuery(sandbox, "lantern", null, user, new HashSet<string>(), 10), s_none)).Select(h => h.Chunk.Id).Order();

        Assert.Equal(["chunk:doc", "chunk:mine"], await Found("sb_1", "u-1"));
        Assert.Equal(["chunk:doc"], await Found("sb_1", null));
        Assert.Equal(["chunk:elsewhere"], await Found("sb_2", "u-1"));
        Assert.Equal(SqliteDatabase.LatestVersion, await ScalarAsync<int>("PRAGMA user_version;"));

        // The per-run "has this sandbox shared content?" check reads the partial index, not the sandbox's memory.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN SELECT 1 FROM chunks WHERE sandbox_id = 'sb_1' AND end_user_id IS NULL LIMIT 1";
        await using var plan = await explain.ExecuteReaderAsync();
        Assert.True(await plan.ReadAsync());
        Assert.Contains("ix_chunks_shared", plan.GetString(3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_event_logs_stored_a_row_per_frame_by_a_v16_build_are_read_whole_after_the_upgrade()
    {
        await WriteDatabaseAsync(16, $$"""
            INSERT INTO data_sources (id, sandbox_id, kind, provider, ingestion_mode, adapter_config, end_user_id, name, status, created_at, last_active_at, turn_count)
                VALUES ('ds_chat', 'sb_1', 'ephemeral', 'custom', 'manual', '{}', 'u-1', 'chat', 'active', '{{V1Time}}', '{{V1Time}}', 0);
            INSERT INTO runs (id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at)
                VALUES ('run_1', 'sb_1', 'u-1', 'ds_chat', 'sess_1', 'echo', 'echo-1', 'succeeded', '{{V1Time}}', '{{V1Time}}');
            INSERT INTO run_events (run_id, seq, event, data) VALUES ('run_1', 1, 'run_started', '{"run_id":"run_1"}'),
                ('run_1', 2, 'agent_text_delta', '{"text":"é 漢字 🦀' || char(10) || 'next line"}'), ('run_1', 3, 'agent_finish', '{}');
            """);
        using var database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(database);

        Assert.Equal(
            [new(1, "run_started", """{"run_id":"run_1"}"""), new(2, "agent_text_delta", "{\"text\":\"é 漢字 🦀\nnext line\"}"), new RunEventRecord(3, "agent_finish", "{}")],
            await store.ListRunEventsAsync("run_1", 0, 100, s_none));
        Assert.Equal([3L], (await store.ListRunEventsAsync("run_1", 2, 100, s_none)).Select(f => f.Seq));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name = 'run_events'"));

        // Frames written after the upgrade continue the same log.
        await ((IRunStore)store).AppendRunEventsAsync("run_1", [new(4, "agent_text_delta", "{}"), new(5, "agent_finish", "{}")], s_none);
        Assert.Equal([1L, 2, 3, 4, 5], (await store.ListRunEventsAsync("run_1", 0, 100, s_none)).Select(f => f.Seq));
        Assert.Equal(5, await store.DeleteRunEventsAsync(s_v1Time.AddHours(1), s_none));
    }

    private static DataSourceRecord Repository(string id, string sandboxId) => new()
    {
        Id = id,
        SandboxId = sandboxId,
        Kind = SourceKind.Durable,
        Provider = "github",
        Name = "repo",
        CreatedAt = s_v1Time,
        LastActiveAt = s_v1Time,
    };

    // The v1 schema is the embedded 0001 migration itself; the rows are written the way v1's store wrote them.
    private async Task WriteV1DatabaseAsync()
    {
        Directory.CreateDirectory(_folder);
        string schema;
        await using (var stream = typeof(SqliteDatabase).Assembly.GetManifestResourceStream("Portage.Storage.Sqlite.Migrations.0001_initial.sql")!)
        using (var reader = new StreamReader(stream))
        {
            schema = await reader.ReadToEndAsync();
        }

        var t0 = V1Time;
        var t1 = "2025-03-14T09:27:53.5890000Z";
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = schema + $$"""

            PRAGMA user_version = 1;
            INSERT INTO accounts (id, created_at) VALUES ('acct_1', '{{t0}}');
            INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at) VALUES ('sb_1', 'acct_1', 'acct_1', 'default', 'free', 'active', NULL, '{{t0}}');
            INSERT INTO api_keys (id, account_id, name, key_prefix, key_hash, created_at) VALUES ('key_1', 'acct_1', 'development', 'ptg_v1v1v1v1', '{{new string('1', 64)}}', '{{t0}}');
            INSERT INTO windows (id, sandbox_id, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count, lease_run_id, lease_expires_at)
                VALUES ('ds_chat', 'sb_1', 'u-1', 'support chat', 'active', NULL, '{{t0}}', '{{t1}}', 2, NULL, NULL);
            INSERT INTO windows (id, sandbox_id, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count, lease_run_id, lease_expires_at)
                VALUES ('ds_swept', 'sb_1', NULL, 'window-1741944413589', 'archived', 'inactivity', '{{t0}}', '{{t0}}', 0, NULL, NULL);
            INSERT INTO turns (window_id, seq, role, speaker, provider, model, run_id, status, created_at, token_estimate, parts)
                VALUES ('ds_chat', 1, 'user', 'User', 'echo', 'echo-1', 'run_1', 'succeeded', '{{t0}}', 4, '[{"type":"text","text":"hello from v1"}]');
            INSERT INTO turns (window_id, seq, role, speaker, provider, model, run_id, status, created_at, token_estimate, parts)
                VALUES ('ds_chat', 2, 'assistant', 'echo/echo-1', 'echo', 'echo-1', 'run_1', 'succeeded', '{{t1}}', 4, '[{"type":"text","text":"hi, I remember"}]');
            INSERT INTO sessions (id, sandbox_id, end_user_id, window_id, provider, model, provider_session_id, transcript, last_window_seq, created_at, last_active_at)
                VALUES ('sess_1', 'sb_1', 'u-1', 'ds_chat', 'echo', 'echo-1', NULL, '[]', 2, '{{t0}}', '{{t1}}');
            INSERT INTO runs (id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at, stop_reason, usage, error)
                VALUES ('run_1', 'sb_1', 'u-1', 'ds_chat', 'sess_1', 'echo', 'echo-1', 'succeeded', '{{t0}}', '{{t1}}', 'end_turn', '{"input_tokens":4}', NULL);
            """;
        await command.ExecuteNonQueryAsync();
    }

    // A v6 data folder: the embedded migrations up to 0006, with two jobs queued the way that build's store wrote them.
    private Task WriteV6DatabaseWithQueuedJobsAsync() => WriteDatabaseAsync(6, """
        INSERT INTO ingest_jobs (id, sandbox_id, text, source_type, status, retry_count, created_at, available_at)
            VALUES ('job_old_2', 'sb_1', 'second text from v6', 'text', 'queued', 0, '2025-03-14T09:26:54.0000000Z', '2025-03-14T09:26:54.0000000Z');
        INSERT INTO ingest_jobs (id, sandbox_id, text, source_type, status, retry_count, created_at, available_at)
            VALUES ('job_old_1', 'sb_1', 'text from v6', 'text', 'queued', 0, '2025-03-14T09:26:53.5890000Z', '2025-03-14T09:26:53.5890000Z');
        """);

    // A database as the build of schema `version` left it: its migrations, an account and sandbox sb_1, then `rows`.
    private async Task WriteDatabaseAsync(int version, string rows)
    {
        Directory.CreateDirectory(_folder);
        var assembly = typeof(SqliteDatabase).Assembly;
        const string prefix = "Portage.Storage.Sqlite.Migrations.";
        var schema = new System.Text.StringBuilder();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Where(n => int.Parse(n[prefix.Length..(prefix.Length + 4)], CultureInfo.InvariantCulture) <= version))
        {
            await using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            schema.AppendLine(await reader.ReadToEndAsync());
        }

        var t0 = V1Time;
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA foreign_keys = OFF;\n" + schema + $$"""

            PRAGMA user_version = {{version}};
            INSERT INTO accounts (id, created_at) VALUES ('acct_1', '{{t0}}');
            INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at) VALUES ('sb_1', 'acct_1', 'acct_1', 'default', 'free', 'active', NULL, '{{t0}}');
            {{rows}}
            """;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }
}
