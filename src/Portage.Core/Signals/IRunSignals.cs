namespace Portage.Core.Signals;

/// <summary>What a signal tells the replicas that share a store.</summary>
public enum RunSignalKind
{
    /// <summary>New frames of the run are stored: followers should read them.</summary>
    Events,

    /// <summary>Someone asked to cancel the run: the replica running it should stop it.</summary>
    Cancel,

    /// <summary>
    /// An API key was revoked: every replica ends the run streams opened with it. <see cref="RunSignal.RunId"/> holds the
    /// key's id (<see cref="RunSignal.KeyRevoked"/>).
    /// </summary>
    KeyRevoked,

    /// <summary>
    /// A sandbox, an end user's own limits in it, or its shared content changed: every replica reads it from the store again.
    /// <see cref="RunSignal.RunId"/> holds the sandbox's id (<see cref="RunSignal.SandboxChanged"/>).
    /// </summary>
    SandboxChanged,
}

/// <summary>A signal about one run (or about one API key, or one sandbox: see <see cref="RunSignalKind"/>).</summary>
public readonly record struct RunSignal(RunSignalKind Kind, string RunId)
{
    /// <summary>The signal that the key with this id was revoked.</summary>
    public static RunSignal KeyRevoked(string keyId) => new(RunSignalKind.KeyRevoked, keyId);

    /// <summary>The signal that the sandbox with this id, or an end user's limits in it, changed.</summary>
    public static RunSignal SandboxChanged(string sandboxId) => new(RunSignalKind.SandboxChanged, sandboxId);
}

/// <summary>
/// Seam for signals between the replicas that share a store: a single process delivers them in memory
/// (<see cref="InProcessRunSignals"/>); a shared database carries them between processes (PostgreSQL LISTEN/NOTIFY).
/// Signals only wake listeners up sooner: followers also poll, so a lost signal costs latency, not frames.
/// </summary>
public interface IRunSignals
{
    /// <summary>Delivers the signal to every subscriber, in this process and in the others sharing the store.</summary>
    Task PublishAsync(RunSignal signal, CancellationToken cancellationToken);

    /// <summary>Delivers several signals, as <see cref="PublishAsync(RunSignal, CancellationToken)"/> does each; a shared database carries them in one round trip.</summary>
    Task PublishAsync(IReadOnlyList<RunSignal> signals, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> for every signal until the returned subscription is disposed.</summary>
    IDisposable Subscribe(Action<RunSignal> handler);
}
