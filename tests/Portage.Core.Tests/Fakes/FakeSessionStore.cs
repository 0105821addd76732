using Portage.Core.Sessions;

namespace Portage.Core.Tests.Fakes;

/// <summary>Sessions in memory, with the lookups of the latest session counted.</summary>
internal sealed class FakeSessionStore : ISessionStore
{
    public List<SessionRecord> Sessions { get; } = [];

    public int LatestLookups { get; private set; }

    public Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, CancellationToken cancellationToken) =>
        Task.FromResult(Sessions.FirstOrDefault(s => s.SandboxId == sandboxId && s.Id == sessionId && (endUserId is null || s.EndUserId == endUserId)));

    public Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, CancellationToken cancellationToken)
    {
        LatestLookups++;
        return Task.FromResult(Sessions.Where(s => s.SandboxId == sandboxId && s.WindowId == windowId && s.Provider == provider && s.Model == model)
            .MaxBy(s => s.LastActiveAt));
    }

    public Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string sandboxId, string windowId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SessionRecord>>([.. Sessions.Where(s => s.WindowId == windowId)]);
}
