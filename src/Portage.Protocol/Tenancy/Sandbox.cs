using System.Text.Json;

namespace Portage.Protocol.Tenancy;

/// <summary>A sandbox: the tenant boundary that owns windows, sessions, runs and data.</summary>
public sealed record Sandbox
{
    /// <summary>Id, <c>sb_…</c>.</summary>
    public required string SandboxId { get; init; }

    /// <summary>The account that owns it.</summary>
    public required string UserId { get; init; }

    /// <summary>Owner id as given at creation (defaults to the account).</summary>
    public required string OwnerId { get; init; }

    /// <summary>Display name, unique per owner.</summary>
    public required string Name { get; init; }

    /// <summary><c>free</c>, <c>pro</c> or <c>enterprise</c> (informational in Portage).</summary>
    public string Tier { get; init; } = "free";

    /// <summary><c>active</c>, <c>suspended</c> or <c>archived</c>.</summary>
    public string Status { get; init; } = "active";

    /// <summary>Always <c>platform_s3</c>-compatible naming; Portage stores locally.</summary>
    public string StorageProviderType { get; init; } = "platform_s3";

    /// <summary>Spending and rate limits (Portage: every field null means no limit; see <see cref="SandboxLimits"/>).</summary>
    public SandboxLimits Limits { get; init; } = new();

    /// <summary>Caller metadata.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Creation time (ISO-8601).</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>Body of <c>POST /api/v1/storage/sandboxes</c>.</summary>
public sealed record CreateSandboxRequest
{
    /// <summary>Display name (1–255 characters).</summary>
    public string? Name { get; init; }

    /// <summary>Owner id; defaults to the calling account.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Tier; default <c>free</c>.</summary>
    public string? Tier { get; init; }

    /// <summary>Free-form metadata.</summary>
    public JsonElement? Metadata { get; init; }
}

/// <summary>Answer of <c>GET /api/v1/storage/sandboxes</c>.</summary>
public sealed record SandboxList(IReadOnlyList<Sandbox> Sandboxes, int Count);

/// <summary>
/// Body of <c>PATCH /api/v1/storage/sandboxes/{id}</c>: only the fields sent change. <see cref="Limits"/> is merged field
/// by field: a limit sent as a value sets it, one sent as <c>null</c> removes it, one left out stays.
/// </summary>
public sealed record UpdateSandboxRequest
{
    /// <summary>New display name (1–255 characters, unique per owner).</summary>
    public string? Name { get; init; }

    /// <summary>New metadata (replaces the old); JSON <c>null</c> removes it.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Limits to set or remove: an object with fields of <see cref="SandboxLimits"/>.</summary>
    public JsonElement? Limits { get; init; }
}
