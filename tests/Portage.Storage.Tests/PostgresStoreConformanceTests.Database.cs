using Npgsql;
using Portage.Core.Ingest;
using Portage.Storage.Postgres;

namespace Portage.Storage.Tests;

// Migrations, restarts and several router processes on one database.
public sealed partial class PostgresStoreConformanceTests
{
    [Fact]
    public async Task Each_migration_is_recorded_once_and_reopening_applies_none_again()
    {
        await SeedTenantsAsync();
        var applied = await MigrationsAsync();

        var reopened = Open();
        Assert.True(await reopened.Tenancy.AnyAccountAsync(None));

        Assert.True(PostgresDatabase.LatestVersion >= 1);
        Assert.Equal(Enumerable.Range(1, PostgresDatabase.LatestVersion), applied.Select(m => m.Version));
        Assert.Equal("0001_initial", applied[0].Name);
        Assert.Equal(applied, await MigrationsAsync());
    }

    [Fact]
    public async Task Reopening_the_database_keeps_its_data()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "remember me");

        var reopened = Open();

        Assert.Equal(KeyA, await reopened.Tenancy.FindApiKeyByHashAsync(KeyA.KeyHash, None));
        Assert.Equal(window with { TurnCount = 1 }, await reopened.Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None));
        Assert.Equal("remember me", Assert.Single(await reopened.Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None)).Text);
        Assert.Equal(session, await reopened.Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
    }

    [Fact]
    public async Task Processes_starting_together_on_an_empty_database_migrate_it_once()
    {
        var starts = Enumerable.Range(0, 6).Select(_ => OpenDatabase()).ToList();

        await Task.WhenAll(starts.Select(database => Task.Run(() => database.MigrateAsync(None))));

        Assert.Equal(Enumerable.Range(1, PostgresDatabase.LatestVersion), (await MigrationsAsync()).Select(m => m.Version));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'chunks'"));
        await SeedTenantsAsync();
        Assert.True(await StoresOf(new PostgresStore(starts[^1])).Tenancy.AnyAccountAsync(None));
    }

    [Fact]
    public async Task Two_processes_on_one_database_never_both_hold_a_windows_lease()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        var other = Open();

        var attempts = Enumerable.Range(1, 10)
            .Select(i => Task.Run(() => (i % 2 == 0 ? Windows : other.Windows).TryAcquireLeaseAsync("ds_1", $"run_{i}", T0, T0.AddMinutes(1), None)))
            .ToList();

        Assert.Single(await Task.WhenAll(attempts), acquired => acquired);
    }

    [Fact]
    public async Task A_lease_taken_by_one_process_is_seen_by_another()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        var other = Open();

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0.AddMinutes(1), None));
        Assert.False(await other.Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(30), T0.AddSeconds(90), None));
        await Windows.ReleaseLeaseAsync("ds_1", "run_1", None);
        Assert.True(await other.Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(31), T0.AddSeconds(91), None));
    }

    [Fact]
    public async Task Ingest_workers_of_two_processes_never_claim_one_job_twice()
    {
        await SeedTenantsAsync();
        for (var i = 0; i < 6; i++)
        {
            await Ingest.EnqueueAsync(Job($"job_{i}", createdAt: T0.AddMilliseconds(i)), None);
        }

        var other = Open();
        var now = T0.AddSeconds(1);

        var claims = await Task.WhenAll(Enumerable.Range(0, 14)
            .Select(i => Task.Run(() => (i % 2 == 0 ? Ingest : other.Ingest).ClaimNextAsync(now, now.AddMinutes(2), 1, None))));

        var claimed = claims.OfType<IngestJobRecord>().Select(c => c.Id).ToList();
        Assert.Equal(6, claimed.Count);
        Assert.Equal(6, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Ingest_workers_of_two_processes_serve_two_sandboxes_in_turn_without_claiming_one_job_twice()
    {
        await SeedTenantsAsync();
        for (var i = 0; i < 20; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i:00}", createdAt: T0.AddMilliseconds(i)), None);
        }

        await Ingest.EnqueueAsync(Job("b_1", SandboxB, T0.AddSeconds(1)), None);
        var other = Open();
        var now = T0.AddSeconds(2);

        // Four workers, two in each process, each taking one job at a time.
        var claimed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? Ingest : other.Ingest;
            while (await store.ClaimNextAsync(now, now.AddMinutes(2), 1, None) is { } job)
            {
                claimed.Enqueue(job.Id);
                await store.CompleteAsync(job.Id, [], """{"chunks":0}""", now, None);
            }
        })));

        var order = claimed.ToList();
        Assert.Equal(21, order.Count);
        Assert.Equal(21, order.Distinct().Count());
        Assert.True(order.IndexOf("b_1") < 5, $"the other sandbox's job was claimed {order.IndexOf("b_1") + 1}th");
    }

    private async Task<List<(int Version, string Name, DateTime AppliedAt)>> MigrationsAsync()
    {
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version, name, applied_at FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, string, DateTime)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetString(1), reader.GetDateTime(2)));
        }

        return rows;
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
