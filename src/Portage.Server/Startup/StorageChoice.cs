using Npgsql;

namespace Portage.Server.Startup;

/// <summary>
/// Which store the router uses: <c>Storage:Provider</c> is <c>sqlite</c> (the default: a file in the data folder) or
/// <c>postgres</c>, which needs <c>ConnectionStrings:Postgres</c>. Read from configuration when the store is first
/// resolved, so settings a test host adds still count; a wrong setting stops the start with a message naming it.
/// </summary>
internal sealed record StorageChoice(bool IsPostgres, string? PostgresConnectionString)
{
    public const string ProviderSetting = "Storage:Provider";
    public const string ConnectionSetting = "ConnectionStrings:Postgres";

    public static StorageChoice From(IConfiguration configuration)
    {
        var provider = configuration[ProviderSetting]?.Trim();
        if (string.IsNullOrEmpty(provider) || provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageChoice(false, null);
        }

        if (!provider.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException($"{ProviderSetting} is '{provider}'.",
                $"Set {ProviderSetting} to 'sqlite' (the default, a file in the data folder) or 'postgres'.");
        }

        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StartupException(
                $"{ProviderSetting} is 'postgres' but {ConnectionSetting} is not set.",
                "Set it (environment: ConnectionStrings__Postgres) to an Npgsql connection string, e.g. \"Host=localhost;Database=portage;Username=portage;Password=…\".");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException($"{ConnectionSetting} is not a valid PostgreSQL connection string: {ex.Message}",
                "Fix it: an Npgsql connection string, e.g. \"Host=localhost;Database=portage;Username=portage;Password=…\".", ex);
        }

        return new StorageChoice(true, connectionString);
    }
}
