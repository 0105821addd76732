using System.Collections.Concurrent;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Fakes;

/// <summary>Windows, turns and leases in memory: what the window chooser and the lease need of a store, with the lease calls counted.</summary>
internal sealed class FakeWindowStore : IWindowStore
{
    private readonly ConcurrentDictionary<string, (string RunId, DateTimeOffset ExpiresAt)> _leases = new();

    public ConcurrentDictionary<string, WindowRecord> Windows { get; } = new();

    public List<TurnRecord> Turns { get; } = [];

    public int Renewals;

    public int Releases;

    public bool FailRenewals { get; set; }

    public string? LeaseHolder(string windowId) => _leases.TryGetValue(windowId, out var lease) ? lease.RunId : null;

    public void HoldLease(string windowId, string runId, DateTimeOffset expiresAt) => _leases[windowId] = (runId, expiresAt);

    public Task CreateWindowAsync(WindowRecord window, CancellationToken cancellationToken)
    {
        Windows[window.Id] = window;
        return Task.CompletedTask;
    }

    public Task<WindowRecord?> GetWindowAsync(string sandboxId, string windowId, string? endUserId, CancellationToken cancellationToken) =>
        Task.FromResult(Windows.TryGetValue(windowId, out var w) && w.SandboxId == sandboxId && (endUserId is null || w.EndUserId == endUserId) ? w : null);

    public Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string sandboxId, string? endUserId, string? status, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WindowRecord>>([.. Windows.Values.Where(w => w.SandboxId == sandboxId && (endUserId is null || w.EndUserId == endUserId))]);

    public Task<WindowRecord?> FindActiveWindowAsync(string sandboxId, string endUserId, CancellationToken cancellationToken) =>
        Task.FromResult(Windows.Values.Where(w => w.SandboxId == sandboxId && w.EndUserId == endUserId && w.IsActive).MaxBy(w => w.LastActiveAt));

    public Task<IReadOnlyList<TurnRecord>> ListTurnsAsync(string sandboxId, string windowId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TurnRecord>>([.. Turns.Where(t => t.WindowId == windowId && t.Seq > afterSeq).OrderBy(t => t.Seq).Take(limit)]);

    /// <summary>Turns <see cref="ListTurnsBeforeAsync"/> has returned, over all calls.</summary>
    public int TurnsRead;

    public Task<IReadOnlyList<TurnRecord>> ListTurnsBeforeAsync(string sandboxId, string windowId, long beforeSeq, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<TurnRecord> page = [.. Turns.Where(t => t.WindowId == windowId && t.Seq > afterSeq && t.Seq < beforeSeq)
            .OrderByDescending(t => t.Seq).Take(limit).OrderBy(t => t.Seq)];
        Interlocked.Add(ref TurnsRead, page.Count);
        return Task.FromResult(page);
    }

    public Task<long?> AppendTurnAsync(string sandboxId, string windowId, NewTurn turn, CancellationToken cancellationToken)
    {
        if (!Windows.TryGetValue(windowId, out var window) || window.SandboxId != sandboxId)
        {
            return Task.FromResult<long?>(null);
        }

        long seq = Turns.Where(t => t.WindowId == windowId).Select(t => t.Seq).DefaultIfEmpty(0).Max() + 1;
        Turns.Add(new TurnRecord(windowId, seq, turn.Role, turn.Speaker, turn.Provider, turn.Model, turn.RunId, turn.Status, turn.CreatedAt, turn.TokenEstimate, turn.Parts));
        Windows[windowId] = window with { TurnCount = window.TurnCount + 1 };
        return Task.FromResult<long?>(seq);
    }

    public Task<bool> SetWindowStatusAsync(string sandboxId, string windowId, string status, string? archivedReason, CancellationToken cancellationToken)
    {
        if (!Windows.TryGetValue(windowId, out var w))
        {
            return Task.FromResult(false);
        }

        Windows[windowId] = w with { Status = status, ArchivedReason = archivedReason };
        return Task.FromResult(true);
    }

    public Task BindEndUserAsync(string sandboxId, string windowId, string endUserId, CancellationToken cancellationToken)
    {
        if (Windows.TryGetValue(windowId, out var w) && w.EndUserId is null)
        {
            Windows[windowId] = w with { EndUserId = endUserId };
        }

        return Task.CompletedTask;
    }

    public Task<int> ArchiveInactiveWindowsAsync(string? sandboxId, DateTimeOffset inactiveSince, DateTimeOffset now, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<bool> TryAcquireLeaseAsync(string windowId, string runId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        lock (_leases)
        {
            if (_leases.TryGetValue(windowId, out var held) && held.RunId != runId && held.ExpiresAt > now)
            {
                return Task.FromResult(false);
            }

            _leases[windowId] = (runId, expiresAt);
            return Task.FromResult(true);
        }
    }

    public Task RenewLeaseAsync(string windowId, string runId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Renewals);
        if (FailRenewals)
        {
            throw new TimeoutException("the database is busy");
        }

        _leases[windowId] = (runId, expiresAt);
        return Task.CompletedTask;
    }

    public Task ReleaseLeaseAsync(string windowId, string runId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Releases);
        lock (_leases)
        {
            if (_leases.TryGetValue(windowId, out var held) && held.RunId == runId)
            {
                _leases.TryRemove(windowId, out _);
            }
        }

        return Task.CompletedTask;
    }
}
