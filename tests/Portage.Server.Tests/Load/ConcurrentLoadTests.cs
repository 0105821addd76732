using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Portage.Server.Tests.Durability;
using Portage.Storage.Sql;
using Portage.Testing;
using Portage.Testing.Postgres;
using Xunit.Abstractions;

namespace Portage.Server.Tests.Load;

/// <summary>
/// Issue 17's acceptance: 80 clients doing runs over 10 end users plus ingests, for a bounded time, on each store.
/// Nothing may be a 5xx, no run may stay <c>running</c>, every run whose client saw <c>agent_finish</c> has its user and
/// assistant turns and its whole event log, and every ingest and conversation-memory job gets done.
/// </summary>
public sealed class ConcurrentLoadTests(ITestOutputHelper output)
{
    private const int Clients = 80;
    private const int EndUsers = 10;

    [Fact]
    public async Task Eighty_clients_on_sqlite_lose_nothing_and_get_no_5xx()
    {
        using var app = new PortageApp(settings: LoadSettings());
        _ = app.Credentials; // the test host starts once, before the clients race
        await CheckAsync(() => app.Client, app.SandboxId, sql => QuerySqliteAsync(Path.Combine(app.DataFolderPath, "portage.db"), sql), "SQLite");
    }

    [Fact]
    public async Task Eighty_clients_on_a_router_process_on_sqlite_lose_nothing_and_get_no_5xx()
    {
        // The built router on Kestrel, as users run it: its own thread pool, real sockets, the echo model's default pace.
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        using var server = ServerProcess.Start(folder, "--Runs:LockWaitSeconds=30");
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            await CheckAsync(server.CreateClient, server.Credentials.SandboxId, sql => QuerySqliteAsync(Path.Combine(folder, "portage.db"), sql), "SQLite, router process");
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n--- router output ---\n{server.Output[^Math.Min(server.Output.Length, 6000)..]}", ex);
        }
    }

    [Fact]
    public async Task Eighty_clients_on_postgres_lose_nothing_and_get_no_5xx()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        var settings = LoadSettings();
        settings["Storage:Provider"] = "postgres";
        settings["ConnectionStrings:Postgres"] = schema.ConnectionString;
        using var app = new PortageApp(settings: settings);
        _ = app.Credentials;
        await CheckAsync(() => app.Client, app.SandboxId, sql => QueryPostgresAsync(schema.ConnectionString, sql), "PostgreSQL");
    }

    private static Dictionary<string, string?> LoadSettings() => new()
    {
        // Deltas a few milliseconds apart, so runs overlap and wait for each other's windows as real ones do.
        ["Echo:DelayMilliseconds"] = "2",
        ["Runs:LockWaitSeconds"] = "30",
    };

    private async Task CheckAsync(Func<HttpClient> client, string sandboxId, Func<string, Task<List<string[]>>> query, string store)
    {
        LoadDriver? driver = null;
        await TestSeed.RunAsync(output, $"load on {store}", async random =>
        {
            driver = new LoadDriver(client, sandboxId, Clients, EndUsers, TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("PORTAGE_LOAD_SECONDS") ?? "8", CultureInfo.InvariantCulture)), random.Next());
            await driver.RunAsync();
            await CheckOutcomesAsync(client, sandboxId, query, store, driver);
        });
    }

    private async Task CheckOutcomesAsync(Func<HttpClient> client, string sandboxId, Func<string, Task<List<string[]>>> query, string store, LoadDriver driver)
    {
        var outcomes = driver.Outcomes;
        Report(store, driver);

        var serverErrors = outcomes.Where(o => o.Status >= 500).ToList();
        Assert.True(serverErrors.Count == 0,
            $"{serverErrors.Count} responses were 5xx, e.g. {string.Join(" | ", serverErrors.Take(3).Select(o => $"{o.Kind} {o.Status} {o.Body}"))}");
        var runs = outcomes.Where(o => o.Kind == LoadDriver.Kind.Run && o.Status == 200).ToList();
        var internalErrors = runs.Where(o => o.Terminal != "agent_finish").ToList();
        Assert.True(internalErrors.Count == 0,
            $"{internalErrors.Count} streams did not finish, e.g. {string.Join(" | ", internalErrors.Take(3).Select(o => o.Frames.LastOrDefault()?.Data))}");
        Assert.NotEmpty(runs);

        // Every stream ended, so nothing may still be running.
        var running = await query("SELECT id FROM runs WHERE status = 'running'");
        Assert.True(running.Count == 0, $"{running.Count} runs were left running: {string.Join(", ", running.Take(5).Select(r => r[0]))}");

        // Each finished run: its user turn and assistant turn in its window, and its full event log for a resume.
        var turns = (await query("SELECT run_id, role, status FROM turns WHERE run_id IS NOT NULL"))
            .GroupBy(r => r[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => (Role: r[1], Status: r[2])).ToList(), StringComparer.Ordinal);
        foreach (var run in runs.DistinctBy(r => r.RunId))
        {
            Assert.True(turns.TryGetValue(run.RunId!, out var its), $"run {run.RunId} finished for its client but has no turns");
            Assert.Contains(its, t => t.Role == "user");
            Assert.Contains(its, t => t.Role == "assistant" && t.Status == "succeeded");
        }

        var logged = (await query("SELECT run_id, frames FROM run_frames"))
            .GroupBy(r => r[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(r => FrameBlock.Decode(Convert.FromBase64String(r[1]))).Select(f => f.Event).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var run in runs.DistinctBy(r => r.RunId))
        {
            Assert.True(logged.TryGetValue(run.RunId!, out var events) && events.Contains("agent_finish"), $"run {run.RunId}'s log has no agent_finish");
        }

        await AssertSampleResumesAsync(client, sandboxId, runs);

        // Every acknowledged ingest, and every conversation-memory job of every run, gets done.
        var accepted = outcomes.Where(o => o.Kind != LoadDriver.Kind.Run && o.Status == 202).ToList();
        Assert.All(outcomes.Where(o => o.Kind != LoadDriver.Kind.Run), o => Assert.True(o.Status is 202 or 409, $"{o.Kind} answered {o.Status}: {o.Body}"));
        await WaitForJobsAsync(query);
        var unfinished = await query("SELECT id, status, error_message FROM ingest_jobs WHERE status <> 'completed'");
        Assert.True(unfinished.Count == 0, $"{unfinished.Count} ingest jobs did not complete: {string.Join(" | ", unfinished.Take(3).Select(r => string.Join(" ", r)))}");
        var memoryJobs = await query("SELECT count(*) FROM ingest_jobs WHERE source_type = 'conversation'");
        Assert.True(long.Parse(memoryJobs[0][0], CultureInfo.InvariantCulture) > 0);
        Assert.NotEmpty(accepted);
    }

    private static async Task AssertSampleResumesAsync(Func<HttpClient> client, string sandboxId, List<LoadDriver.Outcome> runs)
    {
        using var http = client();
        foreach (var run in runs.Where((_, i) => i % Math.Max(1, runs.Count / 20) == 0))
        {
            var path = $"/api/v1/storage/sandboxes/{sandboxId}/agents/runs/{run.RunId}/events";
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            var replay = new List<SseFrame>();
            await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
            {
                if (frame.Event != ":")
                {
                    replay.Add(frame);
                }
            }

            Assert.Equal(run.Frames.Select(f => (f.Id, f.Event, f.Data)), replay.Select(f => (f.Id, f.Event, f.Data)));
        }
    }

    private static async Task WaitForJobsAsync(Func<string, Task<List<string[]>>> query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var open = await query("SELECT count(*) FROM ingest_jobs WHERE status IN ('queued', 'processing')");
            if (open[0][0] == "0")
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    private void Report(string store, LoadDriver driver)
    {
        var outcomes = driver.Outcomes;
        var latencies = outcomes.Select(o => o.Latency.TotalMilliseconds).Order().ToArray();
        double P(double q) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{store}: {outcomes.Count} requests in {driver.Elapsed.TotalSeconds:F1} s = {outcomes.Count / driver.Elapsed.TotalSeconds:F1} requests/s; " +
            $"latency p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms; runs {outcomes.Count(o => o.Kind == LoadDriver.Kind.Run)}, " +
            $"ingests {outcomes.Count(o => o.Kind == LoadDriver.Kind.Ingest)}, conversation turns {outcomes.Count(o => o.Kind == LoadDriver.Kind.Turn)}; " +
            $"statuses {string.Join(", ", outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"))}"));
    }

    private static async Task<List<string[]>> QuerySqliteAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        return await ReadAsync(connection, sql);
    }

    private static async Task<List<string[]>> QueryPostgresAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await ReadAsync(connection, sql);
    }

    private static async Task<List<string[]>> ReadAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? "" : reader.GetValue(i) is byte[] bytes ? Convert.ToBase64String(bytes) : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(row);
        }

        return rows;
    }
}
