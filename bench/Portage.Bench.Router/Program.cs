// Router benchmark: starts a fake OpenAI upstream and the real router (in process, Kestrel on loopback, fresh data
// folder, the openai provider pointed at the fake), then measures, at each concurrency level, streams straight to the
// fake and the same number through the router; memory per open stream; and window append latency at 100k turns.
// Progress goes to stderr; the Markdown tables to stdout; everything to the JSON file. docs/benchmarks.md explains it.
//
// With --conversation N it holds one conversation for N turns instead (request size, CPU and TTFT as it grows and is compacted).
//
//   dotnet run -c Release --project bench/Portage.Bench.Router -- [--concurrency 1,16,64,256] [--runs 200] [--postgres "<conn>"] [--out bench-results.json]
//   dotnet run -c Release --project bench/Portage.Bench.Router -- --conversation 2000
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portage.Bench.Router;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Server;
using Portage.Storage.Sqlite;

if (args.Any(a => a is "--help" or "-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

var machine = Machine.Describe();
var clock = Stopwatch.StartNew();
void Progress(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

await using var fake = await FakeUpstream.StartAsync(options.Deltas, options.DeltaChars, TimeSpan.FromMilliseconds(options.DeltaDelayMs));
var folder = Path.Combine(Path.GetTempPath(), "portage-bench-router", Guid.NewGuid().ToString("n"));
string[] routerArgs =
[
    "--urls=http://127.0.0.1:0",
    $"--Portage:DataFolder={folder}",
    "--Logging:LogLevel:Default=Warning",
    $"--Providers:OpenAI:BaseUrl={fake.BaseUrl}",
    "--Providers:OpenAI:ApiKey=bench-key",
    .. options.Postgres is null ? Array.Empty<string>() : ["--Storage:Provider=postgres", $"--ConnectionStrings:Postgres={options.Postgres}"],
    .. options.RouterSettings.Select(setting => "--" + setting),
];

try
{
    await using var app = PortageServer.Build(routerArgs);
    if (options.Postgres is not null && app.Services.GetRequiredService<IRunStore>() is SqliteStore)
    {
        await Console.Error.WriteLineAsync(
            "--postgres: this build of the router does not understand Storage:Provider=postgres and would run on SQLite. " +
            "Run the bench on a build that has the PostgreSQL store (Portage.Storage.Postgres).");
        return 2;
    }

    // The first-start banner (with the development key) would land in the middle of the report.
    var stdout = Console.Out;
    Console.SetOut(TextWriter.Null);
    try
    {
        await app.StartAsync();
    }
    finally
    {
        Console.SetOut(stdout);
    }

    var credentials = LocalCredentials.TryRead(folder)
        ?? throw new InvalidOperationException("The router wrote no credentials: its database already had an account. Give the bench an empty database.");
    using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMinutes(10) };
    var driver = new LoadDriver(http, fake.BaseUrl, new RouterEndpoint(app.Urls.First().TrimEnd('/'), credentials.ApiKey, credentials.SandboxId));
    var ct = CancellationToken.None;
    Progress($"router on {app.Urls.First()} ({options.Storage}), fake upstream on {fake.BaseUrl}");

    // JIT, tiered compilation and connection pools warm up on streams that are not measured.
    if (options.Warmup > 0)
    {
        await LoadDriver.RunBatchAsync(8, options.Warmup, _ => driver.DirectAsync(null, ct));
        await LoadDriver.RunBatchAsync(8, options.Warmup, i => driver.ThroughRouterAsync($"bench-warmup-{i}", null, null, ct));
    }

    // Each stream through the router is a new end user, so its run gets a window of its own and rule 8 never waits.
    var levels = new List<LevelResult>();
    foreach (var concurrency in options.Concurrency)
    {
        var streams = options.StreamsAt(concurrency);
        await ProcessProbe.SettleAsync();
        var (direct, directCosts) = await ProcessProbe.CostPerStreamAsync(streams,
            () => LoadDriver.RunBatchAsync(concurrency, streams, _ => driver.DirectAsync(null, ct)));
        var (router, routerCosts) = await ProcessProbe.CostPerStreamAsync(streams,
            () => LoadDriver.RunBatchAsync(concurrency, streams, i => driver.ThroughRouterAsync($"bench-c{concurrency}-{i}", null, null, ct)));
        var level = new LevelResult(concurrency, direct, router, directCosts.CpuMs, routerCosts.CpuMs)
        {
            RouterWorkItemsPerRun = Math.Round(routerCosts.WorkItems - directCosts.WorkItems, 1),
            RouterContextSwitchesPerRun = Math.Round(routerCosts.ContextSwitches - directCosts.ContextSwitches, 1),
        };
        levels.Add(level);
        Progress($"{concurrency} concurrent: {streams} streams each way; total p50 direct {direct.TotalMs.P50:0.0} ms, router {router.TotalMs.P50:0.0} ms; " +
            $"failed {direct.Failed + router.Failed}{(router.FirstError ?? direct.FirstError) switch { null => "", var e => $" ({e})" }}");
    }

    MemoryFigures? memory = null;
    if (options.Hold > 0)
    {
        var direct = await ProcessProbe.MeasureAsync(fake, options.Hold, (_, open) => driver.DirectAsync(open, ct));
        var router = await ProcessProbe.MeasureAsync(fake, options.Hold, (i, open) => driver.ThroughRouterAsync($"bench-hold-{i}", null, open, ct));
        memory = new MemoryFigures(direct, router);
        Progress($"{options.Hold} open streams: router's share {memory.RouterHeapBytesPerStream / 1024:0.0} KiB heap per stream");
    }

    WindowFigures? window = null;
    if (options.WindowTurns > 0)
    {
        await ProcessProbe.SettleAsync();
        window = await new WindowAppend(app.Services, credentials.SandboxId).RunAsync(options, driver, Progress, ct);
    }

    ConversationFigures? conversation = null;
    if (options.Conversation > 0)
    {
        // A database in service has statistics that describe its tables; a fresh one gets them from autovacuum about a
        // minute in, and until then PostgreSQL plans some lookups as scans. The measured turns start after an ANALYZE.
        Func<Task>? analyze = options.Postgres is not { } postgres ? null : async () =>
        {
            await using var connection = new Npgsql.NpgsqlConnection(postgres);
            await connection.OpenAsync(ct);
            await using var command = new Npgsql.NpgsqlCommand("ANALYZE", connection);
            await command.ExecuteNonQueryAsync(ct);
            Progress("PostgreSQL: ANALYZE after the warmup");
        };
        conversation = await new LongConversation(driver, fake, options, analyze).RunAsync(Progress, ct);
    }

    // The connection string may hold a password: the report only says one was given.
    var report = new BenchReport(machine, options with { Postgres = options.Postgres is null ? null : "(given)" }, options.Storage,
        levels, memory, window, conversation, Math.Round(clock.Elapsed.TotalSeconds, 1));
    Console.Write(report.ToMarkdown());
    await File.WriteAllTextAsync(options.Out, report.ToJson());
    Progress($"wrote {Path.GetFullPath(options.Out)}");
    await app.StopAsync();
    return levels.Any(l => l.Direct.Failed + l.Router.Failed > 0) || memory?.Router.Failed > 0 || conversation?.Failed > 0 ? 1 : 0;
}
finally
{
    try
    {
        Directory.Delete(folder, recursive: true);
    }
    catch (IOException)
    {
        // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
    }
}
