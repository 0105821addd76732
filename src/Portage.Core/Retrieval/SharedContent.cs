using Portage.Core.Tenancy;

namespace Portage.Core.Retrieval;

/// <summary>
/// Whether a sandbox has shared content (ingested; conversation memory not counted). Every run asks, to offer the
/// retrieval tools and the discover prefetch only where they can help, so the answer is kept with the sandbox in the
/// <see cref="SandboxCache"/> rather than read from the store each run. Content arriving (the ingest worker storing a
/// job's shared chunks) or leaving (a purge) is a <see cref="SandboxCache.ChangedAsync"/> of the sandbox, which drops the
/// answer at once in this process and, by signal, in the other replicas; it is read again after
/// <see cref="SandboxCache.Lifetime"/> in any case.
/// </summary>
public sealed class SharedContent(IContentIndex index, SandboxCache cache, TimeProvider time)
{
    /// <summary>Whether the sandbox has shared content, as known within <see cref="SandboxCache.Lifetime"/>, else as read from the store.</summary>
    public Task<bool> AnyAsync(string sandboxId, CancellationToken cancellationToken) =>
        cache.SharedContentAsync(sandboxId, time.GetUtcNow(), () => index.HasContentAsync(sandboxId, cancellationToken));
}
