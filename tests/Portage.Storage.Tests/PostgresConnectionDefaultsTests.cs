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
        Assert.True(built.NoResetOnClose);
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

    [Fact]
    public void A_connection_string_may_ask_for_pooled_connections_to_be_reset()
    {
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults("Host=db;No Reset On Close=false")).NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=localhost")]
    [InlineData("Host=127.0.0.1;Port=5432")]
    [InlineData("Host=127.0.0.1:5433,localhost")]
    [InlineData("Host=::1")]
    [InlineData("Host=[::1]:5432")]
    [InlineData("Host=/var/run/postgresql")]
    public void A_server_on_this_machine_is_reached_without_tls_unless_the_connection_string_asks(string connectionString)
    {
        Assert.Equal(SslMode.Disable, new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults(connectionString)).SslMode);
        Assert.Equal(SslMode.Require, new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults(connectionString + ";SSL Mode=Require")).SslMode);
        Assert.Equal(SslMode.VerifyFull, new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults(connectionString + ";sslmode=VerifyFull")).SslMode);
    }

    [Theory]
    [InlineData("Host=db.internal")]
    [InlineData("Host=10.0.0.5:5432")]
    [InlineData("Host=localhost,db.internal")]
    [InlineData("Host=2001:db8::1")]
    public void A_server_elsewhere_keeps_npgsqls_default_of_tls_when_offered(string connectionString)
    {
        Assert.Equal(SslMode.Prefer, new NpgsqlConnectionStringBuilder(PostgresDatabase.WithDefaults(connectionString)).SslMode);
    }
}
