using System.Text.Json;
using Portage.Core.Errors;
using Portage.Protocol.Tenancy;

namespace Portage.Core.Tenancy;

/// <summary>
/// A sandbox's life after it was made (copass-compat §7.1): change its name, metadata and limits; suspend, archive and
/// reactivate it; destroy it with everything in it. Runs and ingest check <see cref="EnsureOpenAsync"/>. Every change is
/// told to the <see cref="SandboxCache"/> (this replica's and, by signal, the others').
/// </summary>
public sealed class SandboxService(ITenancyStore store, SandboxCache cache, TimeProvider time)
{
    /// <summary>Changes the fields <paramref name="request"/> sends; 409 <c>sandbox_exists</c> for a name its owner already uses.</summary>
    public async Task<SandboxRecord> UpdateAsync(SandboxRecord sandbox, UpdateSandboxRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(request);
        var updated = sandbox;
        if (request.Name is { } name)
        {
            name = name.Trim();
            if (name.Length is 0 or > 255)
            {
                throw PortageException.BadRequest("invalid_name", "name must be 1–255 characters (or omitted to keep it).");
            }

            updated = updated with { Name = name };
        }

        if (request.Metadata is { ValueKind: not JsonValueKind.Undefined } metadata)
        {
            updated = updated with { MetadataJson = metadata.ValueKind == JsonValueKind.Null ? null : metadata.GetRawText() };
        }

        if (request.Limits is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } limits)
        {
            updated = updated with { LimitsJson = SandboxLimitsPatch.ToJson(SandboxLimitsPatch.Merge(SandboxLimitsPatch.Of(sandbox), limits)) };
        }

        if (!await store.UpdateSandboxAsync(updated, cancellationToken))
        {
            throw PortageException.Conflict("sandbox_exists", $"A sandbox named '{updated.Name}' already exists for this owner. Pick another name.");
        }

        await cache.ChangedAsync(sandbox.Id);
        return updated;
    }

    /// <summary>Sets a sandbox's status (idempotent); the message says what it means.</summary>
    public async Task<string> SetStatusAsync(SandboxRecord sandbox, string status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        if (sandbox.Status != status)
        {
            await store.UpdateSandboxAsync(sandbox with { Status = status }, cancellationToken);
            await cache.ChangedAsync(sandbox.Id);
        }

        return status switch
        {
            SandboxStatus.Suspended => $"Sandbox {sandbox.Id} is suspended: its data stays and is readable; runs and ingest get 409 sandbox_suspended until POST …/reactivate.",
            SandboxStatus.Archived => $"Sandbox {sandbox.Id} is archived: its data stays and is readable; runs and ingest get 409 sandbox_archived until POST …/reactivate.",
            _ => $"Sandbox {sandbox.Id} is active.",
        };
    }

    /// <summary>
    /// Deletes a sandbox and every row of it. The caller's default sandbox (the account's <c>default</c>, else its
    /// oldest) is refused with 409 <c>default_sandbox</c> unless <paramref name="force"/>; a sandbox with a run still
    /// running with 409 <c>run_in_progress</c>.
    /// </summary>
    public async Task DestroyAsync(Caller caller, SandboxRecord sandbox, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(sandbox);
        if (!force)
        {
            var all = await store.ListSandboxesAsync(caller.AccountId, null, cancellationToken);
            var fallback = all.OrderBy(s => s.Name != "default").ThenBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault();
            if (fallback?.Id == sandbox.Id)
            {
                throw PortageException.Conflict("default_sandbox",
                    $"Sandbox {sandbox.Id} is this API key's default sandbox (the one calls without a sandbox use, and the one .portage/credentials.json names). " +
                    "Destroying it deletes all its data for good; send DELETE …/sandboxes/{id}?force=true if that is what you want.");
            }
        }

        var destruction = await store.DestroySandboxAsync(caller.AccountId, sandbox.Id, cancellationToken);
        await cache.ChangedAsync(sandbox.Id);
        switch (destruction)
        {
            case SandboxDestruction.RunInProgress:
                throw PortageException.Conflict("run_in_progress",
                    $"Sandbox {sandbox.Id} has a run in progress. Suspend the sandbox (POST …/suspend) so no new run starts, let the running ones end (or cancel them), then destroy it.");
            case SandboxDestruction.NotFound:
                throw PortageException.NotFound("sandbox_not_found", $"No sandbox '{sandbox.Id}' for this API key.");
        }
    }

    /// <summary>
    /// The sandbox, when it may take runs and ingest; 409 <c>sandbox_suspended</c> or <c>sandbox_archived</c> otherwise
    /// (404 when it is gone).
    /// </summary>
    public async Task<SandboxRecord> EnsureOpenAsync(string sandboxId, string what, CancellationToken cancellationToken)
    {
        var sandbox = await cache.SandboxAsync(sandboxId, time.GetUtcNow(), () => store.FindSandboxAsync(sandboxId, cancellationToken))
            ?? throw PortageException.NotFound("sandbox_not_found", $"No sandbox '{sandboxId}'. List yours with GET /api/v1/storage/sandboxes.");
        return EnsureOpen(sandbox, what);
    }

    /// <summary>As <see cref="EnsureOpenAsync"/>, for a sandbox this request has already read.</summary>
    public static SandboxRecord EnsureOpen(SandboxRecord sandbox, string what)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var sandboxId = sandbox.Id;
        return sandbox.Status switch
        {
            SandboxStatus.Active => sandbox,
            SandboxStatus.Archived => throw PortageException.Conflict("sandbox_archived",
                $"Sandbox {sandboxId} is archived: it keeps its data (readable) but takes no {what}. An admin key can bring it back with POST /api/v1/storage/sandboxes/{sandboxId}/reactivate."),
            _ => throw PortageException.Conflict("sandbox_suspended",
                $"Sandbox {sandboxId} is suspended: it keeps its data (readable) but takes no {what}. An admin key can lift this with POST /api/v1/storage/sandboxes/{sandboxId}/reactivate."),
        };
    }
}
