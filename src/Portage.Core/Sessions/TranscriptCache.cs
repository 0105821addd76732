using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Portage.Core.Sessions;

/// <summary>A session's transcript as this process last stored it, parsed, and its size in characters of JSON.</summary>
/// <param name="Messages">The messages; never changed once kept (a run copies a message before changing it).</param>
/// <param name="Chars">The stored JSON's length, for the cache's bound.</param>
public sealed record KeptTranscript(IReadOnlyList<ChatMessage> Messages, long Chars);

/// <summary>
/// The transcripts of the sessions this process's runs ended, so the next turn of a long conversation does not read,
/// decode and parse tens of kilobytes of transcript again. The store still decides: a run asks for its session with the
/// version held here (<see cref="TranscriptVersion"/>), and the store leaves the transcript out only while the session is
/// still at it; after a run on another replica, a compaction or a purge the transcript is read as before. A transcript
/// a run wrote whole is kept as its JSON and parsed by the first run that needs it.
/// </summary>
public sealed class TranscriptCache
{
    // A bound on memory, not a working-set size: past either, the cache starts over. 16 M characters of JSON are about
    // 500 conversations near their compaction point, and some 60 MB of parsed messages.
    private const int MaxSessions = 10_000;
    private const long MaxChars = 16L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _latestInWindow = new(StringComparer.Ordinal);
    private long _chars;

    /// <summary>The version held of <paramref name="sessionId"/>'s transcript, or null.</summary>
    public TranscriptVersion? Known(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry) ? new TranscriptVersion(sessionId, entry.Seq) : null;

    /// <summary>The version held of the transcript of the session a run in <paramref name="windowId"/> last ended, or null.</summary>
    public TranscriptVersion? KnownInWindow(string windowId) =>
        _latestInWindow.TryGetValue(windowId, out var sessionId) ? Known(sessionId) : null;

    /// <summary>The transcript of <paramref name="session"/> at its version, or null when this process does not hold that version.</summary>
    public KeptTranscript? Find(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!_sessions.TryGetValue(session.Id, out var entry) || entry.Seq != session.LastWindowSeq)
        {
            return null;
        }

        if (entry.Messages is { } messages)
        {
            return new KeptTranscript(messages, entry.Chars);
        }

        // Parsed once, by the first run that continues the session here (two at once parse it twice, harmlessly).
        messages = TranscriptJson.Deserialize(entry.Json!);
        _sessions.TryUpdate(session.Id, entry with { Json = null, Messages = messages }, entry);
        return new KeptTranscript(messages, entry.Chars);
    }

    /// <summary>Keeps a transcript written whole (<paramref name="json"/>, one JSON array) at <paramref name="version"/>.</summary>
    public void KeepWritten(string windowId, TranscriptVersion version, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Keep(windowId, version, new Entry(version.LastWindowSeq, json, null, json.Length));
    }

    /// <summary>Keeps a transcript at <paramref name="version"/> made of messages already parsed.</summary>
    public void KeepParsed(string windowId, TranscriptVersion version, IReadOnlyList<ChatMessage> messages, long chars)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Keep(windowId, version, new Entry(version.LastWindowSeq, null, messages, chars));
    }

    private void Keep(string windowId, TranscriptVersion version, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(windowId);
        ArgumentNullException.ThrowIfNull(version);
        if (Interlocked.Add(ref _chars, entry.Chars) > MaxChars || _sessions.Count >= MaxSessions)
        {
            _sessions.Clear();
            _latestInWindow.Clear();
            Interlocked.Exchange(ref _chars, entry.Chars);
        }

        // The count is approximate under races; it only bounds memory.
        if (_sessions.TryGetValue(version.SessionId, out var old))
        {
            Interlocked.Add(ref _chars, -old.Chars);
        }

        _sessions[version.SessionId] = entry;
        _latestInWindow[windowId] = version.SessionId;
    }

    private sealed record Entry(long Seq, string? Json, IReadOnlyList<ChatMessage>? Messages, long Chars);
}
