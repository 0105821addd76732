using System.Net;
using System.Net.Sockets;
using Npgsql;
using Portage.Testing;
using Portage.Testing.Postgres;

namespace Portage.Server.Tests.Storage;

/// <summary>
/// <c>Storage:Provider=postgres</c>: the router keeps everything in PostgreSQL (a fresh schema of the test server,
/// skipped with the reason when there is none), and a setting that cannot work stops the start with a message naming it.
/// </summary>
public sealed class PostgresStorageTests
{
    [Fact]
    public async Task A_conversation_round_trips_through_http_on_postgres_and_nothing_goes_to_sqlite()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = schema.ConnectionString,
        });

        var first = await app.RunAsync(Runs.Body("What are my open GitHub issues?"));
        var second = await app.RunAsync(Runs.Body("Which ones are blocked?", session: first.SessionId));

        Assert.True(second.Finished);
        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);
        var turns = await app.TurnsAsync(first.WindowId);
        Assert.Equal(["user", "assistant", "user", "assistant"], turns.EnumerateArray().Select(t => t.GetProperty("role").GetString()));
        Assert.Equal(4L, await CountAsync(schema, "SELECT count(*) FROM turns"));
        Assert.Equal(2L, await CountAsync(schema, "SELECT count(*) FROM runs WHERE status = 'succeeded'"));
        Assert.False(File.Exists(Path.Combine(app.DataFolderPath, "portage.db")));
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_stops_the_start_naming_the_setting()
    {
        var error = await StartErrorAsync("--Storage:Provider=postgres");

        Assert.Contains("ConnectionStrings:Postgres is not set", error, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Postgres", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_postgres_stops_the_start_naming_the_setting_and_the_server()
    {
        var error = await StartErrorAsync("--Storage:Provider=postgres",
            $"--ConnectionStrings:Postgres=Host=127.0.0.1;Port={ClosedPort()};Database=portage;Username=portage;Password=secret-word;Timeout=5");

        Assert.Contains("ConnectionStrings:Postgres (host 127.0.0.1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-word", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_storage_provider_stops_the_start_naming_the_setting()
    {
        Assert.Contains("Storage:Provider is 'mongo'", await StartErrorAsync("--Storage:Provider=mongo"), StringComparison.Ordinal);
    }

    // Starts the router as Program does (not through the test host, which can lose a start failure to a race with the
    // host's disposal) and returns the message of what stopped it.
    private static async Task<string> StartErrorAsync(params string[] args)
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        try
        {
            await using var app = PortageServer.Build([.. args, $"--Portage:DataFolder={folder}", "--urls=http://127.0.0.1:0"]);
            var error = await Assert.ThrowsAsync<StartupException>(() => app.StartAsync());
            return error.Message;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<long> CountAsync(TestSchema schema, string sql)
    {
        await using var connection = new NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
