using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Portage.Storage.Postgres;
using Portage.Storage.Sqlite;
using Portage.Testing;
using Portage.Testing.Postgres;

namespace Portage.Server.Tests.Health;

/// <summary>
/// Issue 11, item 9: <c>/healthz</c> (the process serves HTTP) and <c>/readyz</c> (the store answers and its schema is
/// this build's), both without a key; <c>/readyz</c> is 503 <c>not_ready</c> when the database is gone or its schema is
/// not the one this build expects, while <c>/healthz</c> stays 200.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_without_a_key()
    {
        using var app = new PortageApp();
        var client = app.CreateClient();

        var (healthStatus, health) = await GetAsync(client, "/healthz");
        var (readyStatus, ready) = await GetAsync(client, "/readyz");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (healthStatus, readyStatus));
        Assert.Equal("ok", health.GetProperty("message").GetString());
        Assert.True(ready.GetProperty("success").GetBoolean());
        Assert.Equal("ready", ready.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_sqlite_schema_is_newer_than_this_build()
    {
        using var app = new PortageApp();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/readyz")).Status);

        // What a newer Portage leaves behind when this build is rolled back onto its data folder.
        var file = Path.Combine(app.DataFolderPath, Microsoft.Extensions.DependencyInjection.SqlitePortageBuilderExtensions.FileName);
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var bump = connection.CreateCommand();
            bump.CommandText = $"PRAGMA user_version = {SqliteDatabase.LatestVersion + 1};";
            await bump.ExecuteNonQueryAsync();
        }

        var (status, body) = await GetAsync(client, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("not_ready", body.GetProperty("error").GetString());
        Assert.Contains($"version {SqliteDatabase.LatestVersion + 1}, newer than this build's {SqliteDatabase.LatestVersion}",
            body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/healthz")).Status);
    }

    [Fact]
    public async Task Readyz_is_200_on_postgres_and_503_once_the_database_cannot_be_reached()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        var target = new NpgsqlConnectionStringBuilder(schema.ConnectionString);
        using var link = new TcpForwarder(target.Host!, target.Port);
        var viaLink = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Host = "127.0.0.1", Port = link.Port, Timeout = 3 };
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = viaLink.ConnectionString,
        });
        var client = app.CreateClient();

        var before = await GetAsync(client, "/readyz");
        link.Cut();
        var after = await GetAsync(client, "/readyz");
        var again = await GetAsync(client, "/readyz");

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable), (after.Status, again.Status));
        Assert.Equal("not_ready", after.Body.GetProperty("error").GetString());
        var detail = after.Body.GetProperty("detail").GetString()!;
        Assert.StartsWith("the store cannot be reached", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(link.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/healthz")).Status);
    }

    [Fact]
    public async Task Readyz_is_503_when_a_newer_build_migrated_the_postgres_database()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = schema.ConnectionString,
        });
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/readyz")).Status);
        await using (var connection = new NpgsqlConnection(schema.ConnectionString))
        {
            await connection.OpenAsync();
            await using var future = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (@v, 'from_a_newer_build')", connection);
            future.Parameters.AddWithValue("v", PostgresDatabase.LatestVersion + 1);
            await future.ExecuteNonQueryAsync();
        }

        var (status, body) = await GetAsync(client, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains($"version {PostgresDatabase.LatestVersion + 1}, newer than this build's", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
