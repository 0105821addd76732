namespace Portage.Core.Windows;

/// <summary>
/// Takes an existing window's lease in the same transaction as a run's start (rule 8), instead of in a write of its own
/// before the run reads its conversation. The start writes nothing unless the window has no live lease and still has
/// <paramref name="TurnCount"/> turns, the count read before the run read its session and turns: every run's start (its
/// user turns) and end (its assistant turn) and every turn added from outside a run moves that count, so an unchanged
/// count means nothing the run read has changed since. Otherwise the start throws <see cref="WindowChangedException"/>.
/// </summary>
/// <param name="Now">When the lease is taken: a lease that expired by then is free.</param>
/// <param name="ExpiresAt">When the taken lease expires unless renewed.</param>
/// <param name="TurnCount">The window's turn count when the run's reads began.</param>
public sealed record LeaseTake(DateTimeOffset Now, DateTimeOffset ExpiresAt, int TurnCount);
