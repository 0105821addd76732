using Portage.Storage.Postgres;

namespace Portage.Storage.Tests;

/// <summary>PostgreSQL's side of the shared statements, without a database: how instants are bound and spelled.</summary>
public sealed class PostgresDialectTests
{
    private static readonly DateTimeOffset s_exact = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);

    [Fact]
    public void Instants_are_bound_as_whole_microseconds_and_lower_bounds_round_up()
    {
        var dialect = PostgresDialect.Instance;
        var between = s_exact.AddTicks(5); // half a microsecond past

        Assert.Equal(s_exact, dialect.Time(between));
        Assert.Equal(s_exact.AddTicks(10), dialect.LowerBound(between));
        Assert.Equal(s_exact, dialect.LowerBound(s_exact));
    }

    [Fact]
    public void Null_parameters_are_typed_and_locks_are_spelled()
    {
        var dialect = PostgresDialect.Instance;

        Assert.Equal("@user::text", dialect.Text("@user"));
        Assert.Equal(" FOR UPDATE", dialect.Lock("FOR UPDATE"));
        Assert.Equal("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING", dialect.InsertOrIgnore("t (a) VALUES (1)"));
    }
}
