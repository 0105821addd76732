// Ingest throughput: starts the real router on loopback with a fresh data folder, sends every file of the fixture
// corpus as one ingest job, N rounds, waits until the worker has indexed all of them, and prints chunks/s.
// Each round ingests as another end user, so identical content is indexed again instead of skipped as a duplicate.
//
//   dotnet run -c Release --project bench/Portage.Bench.Ingest -- [--rounds 20] [--concurrency 2] [--corpus tests/fixtures/corpus]
using System.Diagnostics;
using System.Globalization;
using Portage.Bench.Ingest;
using Portage.Client;
using Portage.Core.Ingest;
using Portage.Core.Tenancy;
using Portage.Protocol.Ingest;
using Portage.Server;

var options = BenchOptions.Parse(args);
var files = Directory.EnumerateFiles(options.Corpus, "*", SearchOption.AllDirectories)
    .Order(StringComparer.Ordinal)
    .Select(path => (Path: Path.GetRelativePath(options.Corpus, path).Replace('\\', '/'), Text: File.ReadAllText(path)))
    .ToList();
var folder = Path.Combine(Path.GetTempPath(), "portage-bench-ingest", Guid.NewGuid().ToString("n"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"corpus: {files.Count} files, {files.Sum(f => f.Text.Length) / 1024.0:0.0} KiB ({options.Corpus}); rounds: {options.Rounds}; worker concurrency: {options.Concurrency}"));

// The chunker alone, in memory: the ceiling of the pipeline.
var chunker = new Chunker();
var chunkWatch = Stopwatch.StartNew();
var chunkCount = 0;
for (var round = 0; round < options.Rounds; round++)
{
    foreach (var (path, text) in files)
    {
        chunkCount += chunker.Chunk(new ChunkInput("sb_bench", null, $"bench-{round}", text, "text", path)).Count;
    }
}

chunkWatch.Stop();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"chunker only:  {chunkCount} chunks in {chunkWatch.Elapsed.TotalSeconds:0.000} s = {chunkCount / chunkWatch.Elapsed.TotalSeconds:0} chunks/s"));

try
{
    await using var app = PortageServer.Build(
    [
        "--urls=http://127.0.0.1:0",
        $"--Portage:DataFolder={folder}",
        "--Logging:LogLevel:Default=Warning",
        $"--Ingest:Concurrency={options.Concurrency}",
        "--Ingest:PollIntervalMilliseconds=20",
        "--Server:MaxRequestBodyBytes=8388608",
    ]);
    await app.StartAsync();
    var credentials = LocalCredentials.TryRead(folder) ?? throw new InvalidOperationException("the router wrote no credentials");
    using var client = new PortageClient(new AgentRouterOptions { ApiUrl = app.Urls.First(), ApiKey = credentials.ApiKey, SandboxId = credentials.SandboxId });

    var watch = Stopwatch.StartNew();
    var jobs = new List<string>();
    for (var round = 0; round < options.Rounds; round++)
    {
        var sent = await Task.WhenAll(files.Select(file => client.Ingest.TextAsync(credentials.SandboxId, new IngestTextRequest
        {
            Text = file.Text,
            SourceType = Chunker.ModeOf("text", file.Path),
            FilePath = file.Path,
            EndUserId = $"bench-{round}",
        })));
        jobs.AddRange(sent.Select(j => j.JobId));
    }

    var queued = watch.Elapsed;
    int chunks = 0, duplicates = 0, failed = 0;
    foreach (var jobId in jobs)
    {
        var job = await client.Ingest.WaitForJobAsync(credentials.SandboxId, jobId, TimeSpan.FromMilliseconds(10));
        if (job.Status == IngestStatus.Completed && job.Result is { } result)
        {
            (chunks, duplicates) = (chunks + result.Indexed, duplicates + result.Duplicates);
        }
        else
        {
            failed++;
        }
    }

    watch.Stop();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"end to end:    {jobs.Count} jobs ({failed} failed), {chunks} chunks indexed, {duplicates} duplicates; queued in {queued.TotalSeconds:0.000} s, " +
        $"indexed in {watch.Elapsed.TotalSeconds:0.000} s = {chunks / watch.Elapsed.TotalSeconds:0} chunks/s"));
    await app.StopAsync();
    return failed == 0 ? 0 : 1;
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
