using Npgsql;
using Portage.Testing.Skipping;

namespace Portage.Testing.Postgres;

/// <summary>
/// The PostgreSQL server the tests use, found once per test process: <c>PORTAGE_TEST_POSTGRES</c> (a connection string
/// to a database where the tests may create schemas) when set; otherwise a private throwaway cluster started from the
/// machine's PostgreSQL binaries (<see cref="PrivateCluster"/>), stopped when the process exits. When neither is there,
/// every test that asks for a schema is skipped, with the reason (test assemblies run under
/// <see cref="DynamicSkipTestFramework"/>), or fails where <c>PORTAGE_TEST_REQUIRE</c> lists <c>postgres</c> (CI).
/// </summary>
public static class TestPostgres
{
    /// <summary>The environment variable naming the server.</summary>
    public const string EnvironmentVariable = "PORTAGE_TEST_POSTGRES";

    private static readonly Lazy<Task<Server>> s_server = new(FindServerAsync);

    /// <summary>
    /// A fresh, empty schema on the test server, dropped on dispose: its connection string has <c>Search Path</c> set to
    /// it, so a store (or a whole router) using it sees an empty database. Skips the calling test when there is no server.
    /// </summary>
    public static async Task<TestSchema> CreateSchemaAsync()
    {
        var server = await s_server.Value;
        if (server.DataSource is null)
        {
            throw Prerequisites.Missing(Prerequisites.Postgres, server.SkipReason!);
        }

        var name = "test_" + Guid.NewGuid().ToString("n");
        await using (var create = server.DataSource.CreateCommand($"CREATE SCHEMA {name}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { SearchPath = name, IncludeErrorDetail = true };
        return new TestSchema(name, builder.ConnectionString, server.DataSource);
    }

    private static async Task<Server> FindServerAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // A server that was asked for must work: a broken one fails the tests instead of skipping them quietly.
            try
            {
                return await ConnectAsync(configured);
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException or TimeoutException)
            {
                throw new InvalidOperationException($"{EnvironmentVariable} is set but that PostgreSQL server cannot be used: {ex.Message}", ex);
            }
        }

        var cluster = await PrivateCluster.StartAsync();
        if (cluster.ConnectionString is null)
        {
            return new Server(null, null,
                $"PostgreSQL tests skipped: {EnvironmentVariable} is not set and no private PostgreSQL cluster could be started ({cluster.Failure}). " +
                $"Install PostgreSQL (apt-get install postgresql) or set {EnvironmentVariable} to a connection string.");
        }

        return await ConnectAsync(cluster.ConnectionString);
    }

    private static async Task<Server> ConnectAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var probe = dataSource.CreateCommand("SELECT 1"))
        {
            await probe.ExecuteScalarAsync();
        }

        return new Server(connectionString, dataSource, null);
    }

    private sealed record Server(string? ConnectionString, NpgsqlDataSource? DataSource, string? SkipReason);
}

/// <summary>A schema of the test server that one test (or one test host) owns; dropped with everything in it on dispose.</summary>
public sealed class TestSchema(string name, string connectionString, NpgsqlDataSource server) : IAsyncDisposable
{
    /// <summary>The schema's name.</summary>
    public string Name { get; } = name;

    /// <summary>A connection string whose search path is this schema only.</summary>
    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        await using var drop = server.CreateCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}
