using System.Globalization;

namespace Portage.Bench.Router;

/// <summary>Command line of the router benchmark; every value is echoed into the report.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        dotnet run -c Release --project bench/Portage.Bench.Router -- [options]
          --concurrency 1,16,64,256  concurrent streams per level
          --runs 200                 streams per level and mode (at least 2 x the level's concurrency)
          --warmup 50                streams per mode before the first level, not measured
          --deltas 50                text deltas per upstream response
          --delta-delay-ms 1         pause between the upstream's deltas (0: none; default 0 with --conversation)
          --hold 256                 streams held open mid-response for the memory figure (0: skip)
          --window-turns 100000      turns in the window of the append figure (0: skip)
          --append-samples 200       measured appends (one run's start + end) per window size
          --window-runs 10           runs through the router on the full window (after one unmeasured)
          --postgres "<conn>"        run the router on PostgreSQL (Storage:Provider=postgres) instead of SQLite
          --set Section:Key=Value    extra router configuration, repeatable (for example --set Ingest:Concurrency=0)
        Long conversation (runs instead of everything above except the warmup):
          --conversation 2000        turns of one conversation (one end user, no session id) through the router (0: off)
          --conversation-at 10,20,200,2000  the turns reported, each with the turns around it
          --conversations 1          conversations held side by side (one end user each), turn by turn: a turn's figures
                                     are then its round's (CPU per run = the round's CPU / conversations)
          --conversation-warmup 1000 turns of another end user's conversation first, not measured (the JIT's tiers settle)
          --conversation-warmup-seconds 30  and the warmup goes on at least this long
          --message-tokens 300       tokens of each user message (4 characters a token)
          --answer-tokens 400        tokens of each answer, spread over --deltas deltas
          --context-tokens 16000     the model's context (Models:Providers:openai:gpt-4o-mini:ContextTokens)
          --max-output-tokens 2000   its output limit, kept back for the answer (…:MaxOutputTokens)
          --out bench-results.json   the JSON report
        """;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64, 256];
    public int Runs { get; init; } = 200;
    public int Warmup { get; init; } = 50;
    public int ConversationWarmup { get; init; } = 1000;
    public int ConversationWarmupSeconds { get; init; } = 30;
    public int Deltas { get; init; } = 50;
    public int DeltaDelayMs => DeltaDelayMsGiven ?? (Conversation > 0 ? 0 : 1);
    public int? DeltaDelayMsGiven { get; init; }
    public int Hold { get; init; } = 256;
    public int WindowTurns { get; init; } = 100_000;
    public int AppendSamples { get; init; } = 200;
    public int WindowRuns { get; init; } = 10;
    public string? Postgres { get; init; }
    public IReadOnlyList<string> Settings { get; init; } = [];
    public string Out { get; init; } = "bench-results.json";
    public int Conversation { get; init; }
    public IReadOnlyList<int> ConversationAt { get; init; } = [10, 20, 200, 2000];
    public int Conversations { get; init; } = 1;
    public int MessageTokens { get; init; } = 300;
    public int AnswerTokens { get; init; } = 400;
    public int ContextTokens { get; init; } = 16_000;
    public int MaxOutputTokens { get; init; } = 2_000;

    /// <summary>The model every run uses: the openai provider's default, which the fake answers as.</summary>
    public static string Model => "gpt-4o-mini";

    /// <summary>Characters of each text delta: small words for the stream figures, the answer spread over the deltas in a conversation.</summary>
    public int DeltaChars => Conversation > 0 ? AnswerTokens * 4 / Deltas : 0;

    /// <summary>The router's extra configuration: the conversation's model limits, then <c>--set</c> (which wins).</summary>
    public IEnumerable<string> RouterSettings =>
        (Conversation > 0
            ? new[] { $"Models:Providers:openai:{Model}:ContextTokens={ContextTokens}", $"Models:Providers:openai:{Model}:MaxOutputTokens={MaxOutputTokens}" }
            : []).Concat(Settings);

    /// <summary>The storage the router runs on, as the report names it.</summary>
    public string Storage => Postgres is null ? "sqlite" : "postgres";

    /// <summary>Streams measured at one level: enough for the level to hold its concurrency most of the time.</summary>
    public int StreamsAt(int concurrency) => Math.Max(Runs, 2 * concurrency);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {args[i]} needs a value\n{Usage}");
            }

            var value = args[i + 1];
            options = args[i] switch
            {
                "--concurrency" => options with { Concurrency = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => Positive(args[i], c))] },
                "--runs" => options with { Runs = Positive(args[i], value) },
                "--warmup" => options with { Warmup = NonNegative(args[i], value) },
                "--conversation-warmup" => options with { ConversationWarmup = NonNegative(args[i], value) },
                "--conversation-warmup-seconds" => options with { ConversationWarmupSeconds = NonNegative(args[i], value) },
                "--deltas" => options with { Deltas = Positive(args[i], value) },
                "--delta-delay-ms" => options with { DeltaDelayMsGiven = NonNegative(args[i], value) },
                "--hold" => options with { Hold = NonNegative(args[i], value) },
                "--window-turns" => options with { WindowTurns = NonNegative(args[i], value) },
                "--append-samples" => options with { AppendSamples = Positive(args[i], value) },
                "--window-runs" => options with { WindowRuns = Positive(args[i], value) },
                "--postgres" => options with { Postgres = value },
                "--set" => options with { Settings = [.. options.Settings, Setting(value)] },
                "--out" => options with { Out = value },
                "--conversation" => options with { Conversation = NonNegative(args[i], value) },
                "--conversations" => options with { Conversations = Positive(args[i], value) },
                "--conversation-at" => options with { ConversationAt = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => Positive(args[i], c))] },
                "--message-tokens" => options with { MessageTokens = Positive(args[i], value) },
                "--answer-tokens" => options with { AnswerTokens = Positive(args[i], value) },
                "--context-tokens" => options with { ContextTokens = Positive(args[i], value) },
                "--max-output-tokens" => options with { MaxOutputTokens = Positive(args[i], value) },
                _ => throw new ArgumentException($"unknown option {args[i]}\n{Usage}"),
            };
        }

        // A conversation is measured on its own: the stream, memory and window figures would only disturb it.
        return options.Conversation > 0 ? options with { Concurrency = [], Hold = 0, WindowTurns = 0 } : options;
    }

    private static string Setting(string value) =>
        value.IndexOf('=', StringComparison.Ordinal) > 0 ? value : throw new ArgumentException($"--set takes Section:Key=Value, not '{value}'");

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive integer, not '{value}'");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new ArgumentException($"{name} takes an integer >= 0, not '{value}'");
}
