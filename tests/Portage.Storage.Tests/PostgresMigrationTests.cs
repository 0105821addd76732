using System.Globalization;
using System.Text;
using Npgsql;
using Portage.Core.Runs;
using Portage.Storage.Postgres;
using Portage.Testing.Postgres;

namespace Portage.Storage.Tests;

/// <summary>A schema written by an older build (its embedded migrations up to a version, then its rows) opened by this build.</summary>
public sealed class PostgresMigrationTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    [Fact]
    public async Task Run_event_logs_stored_a_row_per_frame_by_a_v13_build_are_read_whole_after_the_upgrade()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        await WriteSchemaAsync(schema.ConnectionString, 13, """
            INSERT INTO accounts (id, created_at) VALUES ('acct_1', now());
            INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, created_at) VALUES ('sb_1', 'acct_1', 'acct_1', 'default', 'free', 'active', now());
            INSERT INTO data_sources (id, sandbox_id, kind, provider, ingestion_mode, adapter_config, end_user_id, name, status, created_at, last_active_at)
                VALUES ('ds_chat', 'sb_1', 'ephemeral', 'custom', 'manual', '{}', 'u-1', 'chat', 'active', now(), now());
            INSERT INTO runs (id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at)
                VALUES ('run_1', 'sb_1', 'u-1', 'ds_chat', 'sess_1', 'echo', 'echo-1', 'succeeded', now() - interval '2 hours', now() - interval '2 hours');
            INSERT INTO run_events (run_id, seq, event, data) VALUES ('run_1', 1, 'run_started', '{"run_id":"run_1"}'),
                ('run_1', 2, 'agent_text_delta', '{"text":"é 漢字 🦀' || E'\n' || 'next line"}'), ('run_1', 3, 'agent_finish', '{}');
            """);
        await using var database = new PostgresDatabase(schema.ConnectionString);
        var store = new PostgresStore(database);

        Assert.Equal(
            [new(1, "run_started", """{"run_id":"run_1"}"""), new(2, "agent_text_delta", "{\"text\":\"é 漢字 🦀\nnext line\"}"), new RunEventRecord(3, "agent_finish", "{}")],
            await store.ListRunEventsAsync("run_1", 0, 100, s_none));
        Assert.Equal([3L], (await store.ListRunEventsAsync("run_1", 2, 100, s_none)).Select(f => f.Seq));

        // Frames written after the upgrade continue the same log, and retention counts frames, not rows.
        await ((IRunStore)store).AppendRunEventsAsync("run_1", [new(4, "agent_text_delta", "{}"), new(5, "agent_finish", "{}")], s_none);
        Assert.Equal([1L, 2, 3, 4, 5], (await store.ListRunEventsAsync("run_1", 0, 100, s_none)).Select(f => f.Seq));
        Assert.Equal(5, await store.DeleteRunEventsAsync(DateTimeOffset.UtcNow.AddHours(-1), s_none));
    }

    // The schema as the build of `version` left it: its migrations, recorded the way PostgresDatabase records them, then `rows`.
    private static async Task WriteSchemaAsync(string connectionString, int version, string rows)
    {
        var assembly = typeof(PostgresDatabase).Assembly;
        const string prefix = "Portage.Storage.Postgres.Migrations.";
        var script = new StringBuilder("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n");
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var number = int.Parse(name[prefix.Length..(prefix.Length + 4)], CultureInfo.InvariantCulture);
            if (number <= version)
            {
                await using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                script.AppendLine(await reader.ReadToEndAsync());
                script.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO schema_migrations (version, name) VALUES ({number}, '{name[prefix.Length..^4]}');");
            }
        }

        script.AppendLine(rows);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(script.ToString(), connection);
        await command.ExecuteNonQueryAsync();
    }
}
