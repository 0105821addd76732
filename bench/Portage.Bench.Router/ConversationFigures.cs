using System.Globalization;
using System.Text;

namespace Portage.Bench.Router;

/// <summary>The turns around one point of the conversation (<see cref="From"/>–<see cref="To"/>, both included).</summary>
internal sealed record ConversationPoint(
    int At, int From, int To, int Runs, int Failed, int CompactionsBy, int CompactingRuns, double FirstTokenMsP50, double FirstTokenMsMax,
    double CpuMsPerRun, double RouterCpuMsPerRun, double RequestBytesP50, long RequestBytesMax, double InputTokensP50, long InputTokensMax, double RouterKbPerRun)
{
    /// <summary>The turns reported for turn <paramref name="at"/>: ±5 % of it, at least ±4 and at most ±10, within the conversation.</summary>
    public static (int At, int From, int To) Range(int at, int turns)
    {
        var half = Math.Clamp(at / 20, 4, 10);
        return (at, Math.Max(1, at - half), Math.Min(turns, at + half));
    }

    /// <summary>The figures of the turns around <paramref name="at"/>; null when the conversation did not get there.</summary>
    public static ConversationPoint? Of(int at, IReadOnlyList<TurnResult> turns, double directCpuMsPerStream, double directKbPerStream)
    {
        var (_, from, to) = Range(at, int.MaxValue);
        var around = turns.Where(t => t.Turn >= from && t.Turn <= to).ToList();
        var ok = around.Where(t => t.Error is null).ToList();
        if (at > turns.Count || ok.Count == 0)
        {
            return null;
        }

        // The mean, not the median: a turn's background work is in the next turn's figure, and a collection in one turn's.
        var cpu = Math.Round(around.Average(t => t.CpuMs), 2);
        return new ConversationPoint(at, around[0].Turn, around[^1].Turn, around.Count, around.Count - ok.Count, around[^1].Compactions,
            around.Count(t => t.Compacted), Median(ok.Select(t => t.FirstTokenMs)), Math.Round(ok.Max(t => t.FirstTokenMs), 3),
            cpu, Math.Round(cpu - directCpuMsPerStream, 2),
            Median(ok.Select(t => (double)t.RequestBytes)), ok.Max(t => t.RequestBytes), Median(ok.Select(t => (double)t.InputTokens)), ok.Max(t => t.InputTokens),
            Math.Round(around.Average(t => t.AllocatedKb) - directKbPerStream, 0));
    }

    private static double Median(IEnumerable<double> values) => Percentiles.Of([.. values]).P50;
}

/// <summary>What the long conversation measured: the points, the whole conversation's extremes, and every turn.</summary>
internal sealed record ConversationFigures(
    int Turns,
    double DirectCpuMsPerStream,
    double DirectKbPerStream,
    int Failed,
    int Compactions,
    int? FirstCompactionTurn,
    int Sessions,
    int Windows,
    TurnResult? LargestRequest,
    TurnResult? LargestInput,
    int TurnsOverInputBudget,
    long SummaryRequests,
    long LargestSummaryRequestBytes,
    double FirstTokenMsCompactingP50,
    double FirstTokenMsOtherP50,
    double Seconds,
    IReadOnlyList<ConversationPoint> Points,
    IReadOnlyList<TurnResult> PerTurn)
{
    public static ConversationFigures Of(
        BenchOptions options, double directCpuMsPerStream, double directKbPerStream, IReadOnlyList<TurnResult> turns, int sessions, int windows, long largestSummaryBytes, double seconds)
    {
        var ok = turns.Where(t => t.Error is null).ToList();
        return new ConversationFigures(
            turns.Count,
            directCpuMsPerStream,
            directKbPerStream,
            turns.Count - ok.Count,
            turns.Count == 0 ? 0 : turns[^1].Compactions,
            turns.FirstOrDefault(t => t.Compacted)?.Turn,
            sessions,
            windows,
            ok.MaxBy(t => t.RequestBytes),
            ok.MaxBy(t => t.InputTokens),
            ok.Count(t => t.InputTokens > options.ContextTokens - options.MaxOutputTokens),
            turns.Sum(t => t.SummaryRequests),
            largestSummaryBytes,
            Percentiles.Of([.. ok.Where(t => t.Compacted).Select(t => t.FirstTokenMs)]).P50,
            Percentiles.Of([.. ok.Where(t => !t.Compacted).Select(t => t.FirstTokenMs)]).P50,
            seconds,
            [.. options.ConversationAt.Select(at => ConversationPoint.Of(at, turns, directCpuMsPerStream, directKbPerStream)).OfType<ConversationPoint>()],
            turns);
    }

    public void AppendMarkdown(StringBuilder md, BenchOptions options, string storage)
    {
        var inv = CultureInfo.InvariantCulture;
        var who = options.Conversations == 1
            ? $"one end user, {Turns:N0} turns back to back"
            : $"{options.Conversations} end users side by side, each {Turns:N0} turns back to back and all at the same turn (a turn's figures are its round's: " +
              "TTFT the median of its runs, CPU and KB per run)";
        md.AppendLine(inv, $"Long conversation ({storage}): {who} through the router with no session id (rule 4 continues the session); " +
            $"provider openai on the fake upstream, model {BenchOptions.Model} given a {options.ContextTokens:N0}-token context and {options.MaxOutputTokens:N0} output tokens; " +
            $"the router's compaction defaults. User messages {options.MessageTokens} tokens, answers {options.AnswerTokens} tokens in {options.Deltas} deltas " +
            $"{options.DeltaDelayMs} ms apart; a summary is 3/4 of the summariser's max_tokens.");
        md.AppendLine(inv, $"{Compactions:N0} compactions, the first at turn {(FirstCompactionTurn is { } first ? first.ToString(inv) : "–")}; " +
            $"{Sessions} {(Sessions == 1 ? "session" : "sessions")} and {Windows} {(Windows == 1 ? "window" : "windows")} all along; {Failed} failed; {Seconds:0} s for the turns.");
        md.AppendLine();
        md.AppendLine("| turn (turns) | runs | compactions by then | runs that compacted | TTFT ms p50 / max | CPU ms/run | router CPU ms/run | router KB allocated/run | request bytes p50 / max | input tokens p50 / max |");
        md.AppendLine("|---|---:|---:|---:|---|---:|---:|---:|---|---|");
        foreach (var p in Points)
        {
            md.AppendLine(inv, $"| {p.At:N0} ({p.From:N0}–{p.To:N0}) | {p.Runs} | {p.CompactionsBy:N0} | {p.CompactingRuns} | {BenchReport.Ms(p.FirstTokenMsP50)} / {BenchReport.Ms(p.FirstTokenMsMax)} | " +
                $"{p.CpuMsPerRun:0.0} | {p.RouterCpuMsPerRun:0.0} | {p.RouterKbPerRun:N0} | {p.RequestBytesP50:N0} / {p.RequestBytesMax:N0} | {p.InputTokensP50:N0} / {p.InputTokensMax:N0} |");
        }

        md.AppendLine();
        md.AppendLine(inv, $"Whole conversation: largest request {LargestRequest?.RequestBytes:N0} bytes (turn {LargestRequest?.Turn:N0}), most input tokens {LargestInput?.InputTokens:N0} " +
            $"(turn {LargestInput?.Turn:N0}); turns over the input budget ({options.ContextTokens - options.MaxOutputTokens:N0} tokens): {TurnsOverInputBudget}. " +
            $"TTFT p50 of the runs that compacted {BenchReport.Ms(FirstTokenMsCompactingP50)} ms, of the others {BenchReport.Ms(FirstTokenMsOtherP50)} ms. " +
            $"Summariser: {SummaryRequests:N0} requests, the largest {LargestSummaryRequestBytes:N0} bytes. Client and fake alone (direct streams of the same answer): " +
            $"{DirectCpuMsPerStream:0.0} ms CPU and {DirectKbPerStream:N0} KB allocated per stream; router CPU (and KB) = per run − that.");
    }
}
