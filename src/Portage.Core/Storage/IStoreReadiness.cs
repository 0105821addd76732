namespace Portage.Core.Storage;

/// <summary>
/// Whether a store can serve requests now: it answers a query and its schema is at the version this build's
/// migrations lead to. A router's <c>/readyz</c> asks it; nothing is changed by asking.
/// </summary>
public interface IStoreReadiness
{
    /// <summary>Asks the store; an unreachable store throws its own exception (the caller turns it into "not ready").</summary>
    Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken);
}

/// <summary>The answer of <see cref="IStoreReadiness.CheckReadyAsync"/>.</summary>
/// <param name="Ready">Whether requests can be served.</param>
/// <param name="Detail">Why not, without connection details; null when ready.</param>
public sealed record StoreReadiness(bool Ready, string? Detail)
{
    /// <summary>Ready.</summary>
    public static StoreReadiness Yes { get; } = new(true, null);

    /// <summary>
    /// Compares the schema version found (null: the schema was never migrated) with the version this build's migrations
    /// lead to. A newer schema is not ready either: a newer build migrated it, and this one may not read it right.
    /// </summary>
    public static StoreReadiness ForSchema(int? found, int latest) => found switch
    {
        null => new(false, $"the database schema has not been migrated yet (this build applies {latest} migrations at start)"),
        var version when version < latest => new(false, $"the database schema is at version {version}; this build needs version {latest}"),
        var version when version > latest => new(false, $"the database schema is at version {version}, newer than this build's {latest}: a newer Portage migrated it"),
        _ => Yes,
    };
}
