using Microsoft.Data.Sqlite;
using Portage.Storage.Sql;
using Portage.Storage.Sqlite;

namespace Portage.Storage.Tests;

/// <summary>The shared ADO.NET helpers of the SQL stores, on an in-memory SQLite database.</summary>
public sealed class SqlSessionTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    [Fact]
    public async Task Commands_join_the_begun_transaction_and_what_is_not_committed_is_rolled_back()
    {
        var name = Guid.NewGuid().ToString("N");
        await using var keeper = await OpenAsync(name);
        await SqlCommands.ExecuteAsync(keeper, null, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", s_none);

        await using (var db = await new SqlSession(await OpenAsync(name)).BeginAsync(s_none))
        {
            // SQLite refuses a command outside the open transaction: this one is in it.
            Assert.Equal(1, await db.ExecuteAsync("INSERT INTO t (id, name) VALUES (@id, @name)", s_none, ("@id", 1), ("@name", null)));
            Assert.Equal([1L], await db.QueryAsync("SELECT id FROM t WHERE name IS NULL", r => r.GetInt64(0), s_none));
        }

        Assert.Empty(await SqlCommands.QueryAsync(keeper, null, "SELECT id FROM t", r => r.GetInt64(0), s_none));
    }

    [Fact]
    public async Task Each_row_runs_the_prepared_statement_once_and_the_changed_rows_are_counted()
    {
        await using var db = new SqlSession(await OpenAsync(Guid.NewGuid().ToString("N")));
        await db.ExecuteAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", s_none);
        await db.BeginAsync(s_none);

        var changed = await db.ExecuteEachAsync("INSERT OR IGNORE INTO t (id, name) VALUES (@id, @name)", ["@id", "@name"],
            [[1L, "a"], [2L, null], [1L, "again"]], s_none);
        await db.CommitAsync(s_none);

        Assert.Equal(2, changed);
        Assert.Equal("a", await db.FirstOrDefaultAsync("SELECT name FROM t WHERE id = @id", r => r.StringOrNull(0), s_none, ("@id", 1L)));
        Assert.Null(await db.FirstOrDefaultAsync("SELECT name FROM t WHERE id = @id", r => r.StringOrNull(0), s_none, ("@id", 3L)));
    }

    [Fact]
    public async Task A_connection_with_a_statement_cache_reuses_a_compiled_command_and_drops_one_that_failed()
    {
        await using var connection = await OpenAsync(Guid.NewGuid().ToString("N"));
        using var cache = StatementCache.Attach(connection);
        await SqlCommands.ExecuteAsync(connection, null, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", s_none);
        const string insert = "INSERT INTO t (id, name) VALUES (@id, @name)";

        await SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 1L), ("@name", "a"));
        var kept = cache.Take(insert);
        Assert.NotNull(kept);
        Assert.True(cache.GiveBack(kept));

        // The kept command runs again with the new values, and one that fails is not kept.
        await SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 2L), ("@name", "b"));
        await Assert.ThrowsAsync<SqliteException>(() => SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 2L), ("@name", "c")));
        Assert.Null(cache.Take(insert));

        await SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 3L), ("@name", null));
        Assert.Equal(["a", "b", null], await SqlCommands.QueryAsync(connection, null, "SELECT name FROM t ORDER BY id", r => r.StringOrNull(0), s_none));
        Assert.Equal([2L], await SqlCommands.QueryAsync(connection, null, "SELECT id FROM t WHERE name = @name", r => r.GetInt64(0), s_none, ("@name", "b")));
        Assert.Equal([1L], await SqlCommands.QueryAsync(connection, null, "SELECT id FROM t WHERE name = @name", r => r.GetInt64(0), s_none, ("@name", "a")));
    }

    [Fact]
    public async Task A_kept_command_takes_the_next_values_in_its_own_parameters()
    {
        await using var connection = await OpenAsync(Guid.NewGuid().ToString("N"));
        using var cache = StatementCache.Attach(connection);
        await SqlCommands.ExecuteAsync(connection, null, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", s_none);
        const string insert = "INSERT INTO t (id, name) VALUES (@id, @name)";
        await SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 1L), ("@name", "a"));
        var kept = cache.Take(insert)!;
        var parameters = kept.Parameters.Cast<System.Data.Common.DbParameter>().ToList();
        Assert.True(cache.GiveBack(kept));

        await SqlCommands.ExecuteAsync(connection, null, insert, s_none, ("@id", 2L), ("@name", null));

        var again = cache.Take(insert)!;
        Assert.Equal(parameters, again.Parameters.Cast<System.Data.Common.DbParameter>());
        Assert.Equal([2L, DBNull.Value], parameters.Select(p => p.Value));
        Assert.Equal(["a", null], await SqlCommands.QueryAsync(connection, null, "SELECT name FROM t ORDER BY id", r => r.StringOrNull(0), s_none));
        again.Dispose();
    }

    [Fact]
    public void Embedded_migrations_are_read_in_name_order()
    {
        var migrations = EmbeddedMigrations.Read(typeof(SqliteDatabase).Assembly, "Portage.Storage.Sqlite.Migrations.");

        Assert.Equal(SqliteDatabase.LatestVersion, migrations.Count);
        Assert.Equal("0001_initial", migrations[0].Name);
        Assert.Equal(migrations.Select(m => m.Name).Order(StringComparer.Ordinal), migrations.Select(m => m.Name));
    }

    // A shared in-memory database lives while one of its connections is open.
    private static async Task<SqliteConnection> OpenAsync(string name)
    {
        var connection = new SqliteConnection($"Data Source=file:sqlsession-{name}?mode=memory&cache=shared");
        await connection.OpenAsync(s_none);
        return connection;
    }
}
