using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Portage.Bench.Router;

/// <summary>One turn of the long conversation.</summary>
/// <param name="Turn">1 for the first.</param>
/// <param name="FirstTokenMs">From sending the request to the first <c>agent_text_delta</c>.</param>
/// <param name="TotalMs">To the end of the body.</param>
/// <param name="CpuMs">This process's CPU from the end of the previous turn to the end of this one: the previous turn's background work may be in it.</param>
/// <param name="RequestBytes">Body of the run's streaming request to the upstream (0 when it made none).</param>
/// <param name="InputTokens"><c>usage.input_tokens</c> of <c>agent_finish</c> (-1 without one).</param>
/// <param name="Compacted">The run sent <c>context_compacted</c>.</param>
/// <param name="Compactions">Compactions so far, this one included.</param>
/// <param name="SummaryRequests">Non-streaming (summariser) requests the upstream got during the turn.</param>
/// <param name="SummaryBytes">Their bodies.</param>
/// <param name="Error">Why the turn failed, or null.</param>
/// <param name="AllocatedKb">What this process allocated on the managed heap over the same interval as <paramref name="CpuMs"/>.</param>
internal sealed record TurnResult(
    int Turn, double FirstTokenMs, double TotalMs, double CpuMs, long RequestBytes, long InputTokens, bool Compacted, int Compactions,
    long SummaryRequests, long SummaryBytes, string? Error, double AllocatedKb);

/// <summary>
/// One conversation held for many turns through the real router: one end user, no session id, so every run continues
/// the window's openai session (rules 3d and 4), and the router compacts the conversation whenever it passes its
/// threshold. The turns run back to back, and each one's CPU is the process's CPU since the previous one ended: a turn's
/// background work (its conversation memory) lands in the next one's figure, so a mean over consecutive turns is the
/// cost of a run with its background work, without the idle time a wait for it would add. <c>afterWarmup</c> runs between
/// the warmup and the measured turns.
/// </summary>
internal sealed class LongConversation(LoadDriver driver, FakeUpstream fake, BenchOptions options, Func<Task>? afterWarmup = null)
{
    private const string EndUser = "bench-conversation";
    private const int DirectStreams = 100;
    private const int MaxFailures = 10;

    public async Task<ConversationFigures> RunAsync(Action<string> progress, CancellationToken ct)
    {
        // Continuing sessions and compacting are paths the stream warmup never takes: the JIT meets them here, unmeasured.
        // Tiered compilation keeps recompiling the run path (instrumented, then optimised with the profile) for several
        // hundred runs; measured after 50, a continuing turn cost about 2 ms more CPU and 2.5 ms more TTFT than at steady state.
        // A count alone was not enough: after 1,000 turns (4 s) the JIT was still a fifth of the process's CPU, and turn 50
        // measured 10 ms of router CPU that 30 s of warmup brought to 6.
        // Side by side, the warmup is too (other end users): the measured rounds then meet a warmed-up path, and on
        // PostgreSQL tables whose statistics describe many conversations, not one.
        var warming = Stopwatch.StartNew();
        var side = options.Conversations;
        for (var turn = 1; (turn - 1) * side < options.ConversationWarmup || warming.Elapsed.TotalSeconds < options.ConversationWarmupSeconds; turn++)
        {
            var message = Message(turn);
            await Task.WhenAll(Enumerable.Range(0, side).Select(c => driver.TurnAsync($"{EndUser}-warmup-{c}", message, _ => { }, ct)));
        }

        if (afterWarmup is not null)
        {
            await afterWarmup();
        }

        // What the client and the fake cost alone, for one stream of the same answer: the router's share is the rest. Like
        // the turns, the streams run back to back (or side by side, as many as the conversations) and are measured without
        // waiting for the process to go idle, so the thread pool's idle spinning is in neither figure.
        var directStreams = Math.Max(DirectStreams, side * 4);
        await ProcessProbe.SettleAsync();
        var started = ProcessProbe.CpuTime();
        var startedBytes = GC.GetTotalAllocatedBytes();
        var direct = await LoadDriver.RunBatchAsync(side, directStreams, i => driver.DirectAsync(Message(-1 - i), null, ct));
        var directCpu = Math.Round((ProcessProbe.CpuTime() - started).TotalMilliseconds / directStreams, 2);
        var directKb = Math.Round((GC.GetTotalAllocatedBytes() - startedBytes) / 1024.0 / directStreams, 1);
        await ProcessProbe.SettleAsync();
        progress($"direct: {directCpu:0.00} ms CPU and {directKb:N1} KB allocated per stream, TTFT p50 {direct.FirstTokenMs.P50:0.00} ms");

        var turns = new List<TurnResult>(options.Conversation);
        var sessions = new HashSet<string>(StringComparer.Ordinal);
        var windows = new HashSet<string>(StringComparer.Ordinal);
        var compactions = 0;
        var failures = 0;
        var watch = Stopwatch.StartNew();
        var cpu = ProcessProbe.CpuTime();
        var allocated = GC.GetTotalAllocatedBytes();
        for (var turn = 1; turn <= options.Conversation && failures < MaxFailures; turn++)
        {
            var before = fake.Counts();
            var compacted = new bool[side];
            var inputTokens = new long[side];
            var message = Message(turn);
            var samples = await Task.WhenAll(Enumerable.Range(0, side).Select(c => driver.TurnAsync(side == 1 ? EndUser : $"{EndUser}-{c}", message, item =>
            {
                if (item.EventType == "context_compacted")
                {
                    compacted[c] = true;
                }
                else if (item.EventType == "agent_finish")
                {
                    lock (sessions)
                    {
                        inputTokens[c] = Finish(item, sessions, windows);
                    }
                }
            }, ct)));
            var now = ProcessProbe.CpuTime();
            var nowAllocated = GC.GetTotalAllocatedBytes();
            var after = fake.Counts();
            var streams = after.StreamRequests - before.StreamRequests;
            var error = samples.Select(sample => sample.Error).FirstOrDefault(e => e is not null);

            // Side by side the conversations are the same one (the same messages), so they compact at the same turns: the
            // turn's figures are its round's, per conversation.
            compactions += compacted[0] ? 1 : 0;
            failures += error is null ? 0 : 1;
            turns.Add(new TurnResult(turn, Math.Round(Percentiles.Of([.. samples.Select(sample => sample.FirstTokenMs)]).P50, 3), Math.Round(samples.Max(sample => sample.TotalMs), 3),
                Math.Round((now - cpu).TotalMilliseconds / side, 3),
                streams == 0 ? 0 : (after.StreamBytes - before.StreamBytes) / streams,
                inputTokens.Max(), compacted.Any(c => c), compactions,
                (after.CompletionRequests - before.CompletionRequests) / side, (after.CompletionBytes - before.CompletionBytes) / side, error,
                Math.Round((nowAllocated - allocated) / 1024.0 / side, 1)));
            cpu = now;
            allocated = nowAllocated;
            if (turn % 100 == 0 || error is not null)
            {
                progress($"turn {turn}: {compactions} compactions, request {turns[^1].RequestBytes:N0} bytes, {turns[^1].InputTokens:N0} input tokens, " +
                    $"TTFT {turns[^1].FirstTokenMs:0.0} ms{(error is null ? "" : $", failed: {error}")}");
            }
        }

        watch.Stop();
        var upstream = fake.Counts();
        return ConversationFigures.Of(options, directCpu, directKb, turns, sessions.Count, windows.Count, upstream.MaxCompletionBytes, Math.Round(watch.Elapsed.TotalSeconds, 1));
    }

    // A user message of --message-tokens tokens that says which turn it is and differs from every other.
    private string Message(int turn)
    {
        var opening = $"Turn {turn}. ";
        return opening + Prose.Words(turn, (options.MessageTokens * 4) - opening.Length);
    }

    // The input tokens of agent_finish; notes its session and window, which must stay the same all along.
    private static long Finish(SseItem<string> item, HashSet<string> sessions, HashSet<string> windows)
    {
        using var finish = JsonDocument.Parse(item.Data);
        var root = finish.RootElement;
        if (root.TryGetProperty("session_id", out var session) && session.GetString() is { } sessionId)
        {
            sessions.Add(sessionId);
        }

        if (root.TryGetProperty("context_window_id", out var window) && window.GetString() is { } windowId)
        {
            windows.Add(windowId);
        }

        return root.TryGetProperty("usage", out var usage) && usage.TryGetProperty("input_tokens", out var input) ? input.GetInt64() : -1;
    }
}
