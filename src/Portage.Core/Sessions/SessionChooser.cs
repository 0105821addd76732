using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Sessions;

/// <summary>The session a run continues or starts.</summary>
/// <param name="Session">The session (not yet stored unless <paramref name="Continues"/>).</param>
/// <param name="Continues">It existed before this run: its transcript is replayed (rule 4).</param>
public sealed record SessionChoice(SessionRecord Session, bool Continues)
{
    /// <summary>The transcript as this process holds it, when the store left it out of <see cref="Session"/>; else null.</summary>
    public KeptTranscript? Kept { get; init; }
}

/// <summary>
/// Rules 4 and 5: a run continues a session of the same provider and model; a session of another provider or model
/// means "continue its window here" in a fresh session; without <c>session_id</c>, the window's latest session of this
/// provider and model goes on.
/// </summary>
public sealed class SessionChooser(ISessionStore sessions, TranscriptCache transcripts, IIdGenerator ids, TimeProvider time)
{
    /// <summary>The session a request names, if it exists for this end user (rule 3(b) reads its window).</summary>
    public async Task<SessionRecord?> FindNamedAsync(string sandboxId, string endUserId, string? sessionId, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(sessionId) ? null : await sessions.GetSessionAsync(sandboxId, sessionId, endUserId, transcripts.Known(sessionId), cancellationToken);

    /// <summary>
    /// Chooses the session of a run on <paramref name="provider"/>/<paramref name="model"/> in <paramref name="window"/>.
    /// <paramref name="named"/> is the request's session (from <see cref="FindNamedAsync"/>), null when it named none.
    /// </summary>
    public async Task<SessionChoice> ChooseAsync(
        WindowChoice window, string endUserId, ProviderDefinition provider, string model, SessionRecord? named, bool sessionNamed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(provider);
        // A new window has no sessions yet: nothing to read.
        var existing = window.IsNew ? null
            : sessionNamed ? (Continuable(named, window.Window, provider, model) ? named : null)
            : await sessions.FindLatestSessionAsync(window.Window.SandboxId, window.Window.Id, provider.Name, model,
                transcripts.KnownInWindow(window.Window.Id), cancellationToken);
        if (existing is { TranscriptOmitted: true })
        {
            // Left out because this process holds that version; dropped from here since (the cache's bound), it is read.
            if (transcripts.Find(existing) is { } kept)
            {
                return new SessionChoice(existing, Continues: true) { Kept = kept };
            }

            existing = await sessions.GetSessionAsync(existing.SandboxId, existing.Id, null, cancellationToken);
        }

        if (existing is not null)
        {
            return new SessionChoice(existing, Continues: true);
        }

        var now = time.GetUtcNow();
        var fresh = new SessionRecord(ids.NewId("sess"), window.Window.SandboxId, endUserId, window.Window.Id, provider.Name, model, null, "[]", 0, now, now);
        return new SessionChoice(fresh, Continues: false);
    }

    // A native transcript belongs to the model that wrote it: its opaque state (Anthropic's thinking signatures,
    // Gemini's thought signatures, OpenAI's encrypted reasoning) is refused by any other model, and a server-side
    // session lives in one engine. Another model is therefore a switch (rule 5): the window, rendered as neutral text,
    // carries everything over.
    private static bool Continuable(SessionRecord? named, WindowRecord window, ProviderDefinition provider, string model) =>
        named is not null
        && named.WindowId == window.Id
        && string.Equals(named.Provider, provider.Name, StringComparison.OrdinalIgnoreCase)
        && string.Equals(named.Model, model, StringComparison.Ordinal);
}
