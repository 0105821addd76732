namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// Picks the ids a request names: mostly the caller's own, often another end user's or the other tenant's, sometimes
/// garbage. Path segments are escaped, except for deliberate raw tricks (<c>..</c>, <c>%2F</c>, very long). A clean
/// request keeps to the caller's own sandbox and escaped segments.
/// </summary>
internal sealed class Ids(FuzzWorld world, Tenant me, Tenant them, Random random, bool clean)
{
    public Tenant Me => me;

    public Tenant Them => them;

    public FuzzWorld World => world;

    public string SandboxId() => clean ? me.SandboxId : random.Next(100) switch
    {
        < 75 => me.SandboxId,
        < 88 => them.SandboxId,
        _ => Hostile.Id(random, "sb"),
    };

    /// <summary>A path segment: the id escaped, or now and then a raw trick instead.</summary>
    public string Segment(string id) => Hostile.NoNul(!clean && random.Chance(0.08) ? Hostile.Segment(random) : Uri.EscapeDataString(id) is { Length: > 0 } s ? s : "%20");

    /// <summary>
    /// A path segment for a destructive call: as <see cref="Segment"/>, but never a dot segment, which the client
    /// resolves to the parent path (a DELETE of <c>sources/%2e%2e</c> deletes the caller's own sandbox, with its own key).
    /// </summary>
    public string DestructiveSegment(string id) => Segment(id) is var segment && Hostile.Climbs(segment) ? Uri.EscapeDataString(id) : segment;

    public string SandboxPath(string rest) => $"/api/v1/storage/sandboxes/{Segment(SandboxId())}{rest}";

    public string QueryPath(string operation) => $"/api/v1/query/sandboxes/{Segment(SandboxId())}/{operation}";

    public string EndUserId() => random.Next(100) switch
    {
        < 60 => random.Pick(me.EndUsers).Id,
        < 75 => random.Pick(them.EndUsers).Id,
        _ => Hostile.Text(random),
    };

    /// <summary>Any source or window: an end user's window (the caller's or the other tenant's), a spare, a marked one, garbage.</summary>
    public string AnySourceId() => random.Next(100) switch
    {
        < 45 => random.Pick(me.EndUsers).WindowId,
        < 55 => random.Pick(me.SpareSourceIds),
        < 60 => me.MarkedSourceId,
        < 75 => random.Pick(them.EndUsers).WindowId,
        < 82 => random.Pick([.. them.SpareSourceIds, them.MarkedSourceId]),
        _ => Hostile.Id(random, "ds"),
    };

    /// <summary>A source a destructive call may name: never one of the caller's marked sources or end-user windows.</summary>
    public string SpareSourceId() => random.Next(100) switch
    {
        < 50 => random.Pick(me.SpareSourceIds),
        < 80 => random.Pick([.. them.SpareSourceIds, them.MarkedSourceId, .. them.EndUsers.Select(u => u.WindowId)]),
        _ => Hostile.Id(random, "ds"),
    };

    public string RunId() => random.Next(100) switch
    {
        < 55 => random.Pick(random.Pick(me.EndUsers).RunIds),
        < 80 => random.Pick(random.Pick(them.EndUsers).RunIds),
        _ => Hostile.Id(random, "run"),
    };

    public string IdempotencyKey() => random.Pick(random.Pick((random.Chance(0.6) ? me : them).EndUsers).IdempotencyKeys);

    public string SessionId() => random.Next(100) switch
    {
        < 55 => random.Pick(me.EndUsers).SessionId,
        < 80 => random.Pick(them.EndUsers).SessionId,
        _ => Hostile.Id(random, "sess"),
    };

    public string JobId() => random.Next(100) switch
    {
        < 55 => random.Pick(me.JobIds),
        < 80 => random.Pick(them.JobIds),
        _ => Hostile.Id(random, "job"),
    };

    /// <summary>A JSON array of canonical ids: shared content and end users' memory, of both tenants, and garbage.</summary>
    public string CanonicalIdsJson()
    {
        var pool = new List<string>();
        foreach (var tenant in world.Tenants)
        {
            pool.AddRange(tenant.CanonicalIds);
            pool.AddRange(tenant.EndUsers.SelectMany(u => u.MemoryIds));
        }

        var ids = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Chance(0.85) && pool.Count > 0 ? random.Pick(pool) : Hostile.Id(random, "chk"));
        return "[" + string.Join(",", ids.Select(Hostile.JsonString)) + "]";
    }
}
