using Npgsql;
using Portage.Storage.Postgres;

namespace Portage.Storage.Tests;

/// <summary>The pool and statement-preparation defaults a PostgreSQL connection string gets unless it names its own.</summary>
public sealed class PostgresConnectionDefaultsTests
{
    [Fact]
    public void A_connection_string_naming_neither_gets_the_pool_limit_and_prepared_statements()
    {
        var built = new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults("Host=db;Database=portage;Username=portage"));

        Assert.Equal(PostgresDatabase.DefaultMaxPoolSize, built.MaxPoolSize);
        Assert.Equal(PostgresDatabase.DefaultMaxAutoPrepare, built.MaxAutoPrepare);
        Assert.Equal("db", built.Host);
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=7;Max Auto Prepare=0", 7, 0)]
    [InlineData("Host=db;MaxPoolSize=9", 9, PostgresDatabase.DefaultMaxAutoPrepare)]
    [InlineData("Host=db;max auto prepare=3", PostgresDatabase.DefaultMaxPoolSize, 3)]
    public void A_connection_string_that_names_a_setting_keeps_its_own(string connectionString, int pool, int prepared)
    {
        var built = new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults(connectionString));

        Assert.Equal(pool, built.MaxPoolSize);
        Assert.Equal(prepared, built.MaxAutoPrepare);
    }
}
