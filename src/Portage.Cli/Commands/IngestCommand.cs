using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Portage.Cli.Ingest;
using Portage.Client;
using Portage.Core.Ingest;
using Portage.Protocol.Ingest;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage ingest PATH...</c>: sends files and folders (honouring <c>.gitignore</c>) to the sandbox, one ingest job
/// per file, waits for the jobs unless <c>--no-wait</c>, and prints a summary. Exit 1 when a file failed.
/// </summary>
internal static class IngestCommand
{
    /// <summary>Default largest file sent; the server's default body limit is 1 MiB, and JSON escaping can grow text.</summary>
    public const long DefaultMaxFileBytes = 512 * 1024;

    public static Command Create(CliHost host, ConnectionOptions connection)
    {
        var paths = new Argument<string[]>("path") { Description = "Files and folders to ingest", Arity = ArgumentArity.OneOrMore };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the jobs are queued, without waiting for indexing" };
        var dataSource = new Option<string?>("--data-source") { Description = "Ingest into this data source id" };
        var project = new Option<string?>("--project") { Description = "Scope the content to this project id" };
        var maxFileSize = new Option<long>("--max-file-size")
        {
            Description = $"Skip files larger than this many bytes (default {DefaultMaxFileBytes})",
            DefaultValueFactory = _ => DefaultMaxFileBytes,
        };
        var hidden = new Option<bool>("--hidden") { Description = "Also send hidden files and folders (.name); .git never" };
        var parallel = new Option<int>("--parallel") { Description = "Requests in flight at once (default 4)", DefaultValueFactory = _ => 4 };

        var command = new Command("ingest", "Put files and folders into the sandbox's retrievable content") { paths };
        command.Options.Add(noWait);
        command.Options.Add(dataSource);
        command.Options.Add(project);
        command.Options.Add(maxFileSize);
        command.Options.Add(hidden);
        command.Options.Add(parallel);

        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, (conn, router, token) =>
        {
            var settings = new Settings(
                parseResult.GetValue(paths) ?? [],
                !parseResult.GetValue(noWait),
                parseResult.GetValue(dataSource),
                parseResult.GetValue(project),
                Math.Max(1, parseResult.GetValue(maxFileSize)),
                Math.Clamp(parseResult.GetValue(parallel), 1, 32),
                parseResult.GetValue(hidden));
            return RunAsync(host, router.Client.Ingest, conn.SandboxId, settings, token);
        }, ct));
        return command;
    }

    private sealed record Settings(string[] Paths, bool Wait, string? DataSourceId, string? ProjectId, long MaxFileBytes, int Parallel, bool Hidden);

    private sealed record Sent(FoundFile File, string JobId);

    private static async Task<int> RunAsync(CliHost host, IngestResource ingest, string sandboxId, Settings settings, CancellationToken ct)
    {
        var walk = new FileWalker(settings.MaxFileBytes, host.CurrentDirectory(), settings.Hidden).Walk(settings.Paths);
        var clock = Stopwatch.StartNew();
        var progress = new IngestProgress(host, walk.Files.Count);
        foreach (var skipped in walk.Skipped)
        {
            progress.Note($"skipped {skipped.RelativePath}: {skipped.Reason}");
        }

        var failures = new ConcurrentBag<string>();
        var sent = await SendAsync(ingest, sandboxId, walk.Files, settings, progress, failures, ct);

        int indexed = 0, duplicates = 0;
        if (settings.Wait)
        {
            progress.Phase("indexing");
            foreach (var (file, status) in await WaitAsync(ingest, sandboxId, sent, settings.Parallel, progress, failures, ct))
            {
                if (status.Status == IngestStatus.Completed && status.Result is { } result)
                {
                    (indexed, duplicates) = (indexed + result.Indexed, duplicates + result.Duplicates);
                }
            }
        }

        progress.Finish();
        clock.Stop();
        await WriteSummaryAsync(host, sandboxId, settings, walk, sent.Count, failures.Count, indexed, duplicates, clock.Elapsed);
        return failures.IsEmpty ? ExitCodes.Success : ExitCodes.RunFailed;
    }

    private static async Task<List<Sent>> SendAsync(
        IngestResource ingest, string sandboxId, IReadOnlyList<FoundFile> files, Settings settings, IngestProgress progress, ConcurrentBag<string> failures, CancellationToken ct)
    {
        var sent = new ConcurrentBag<(int Index, Sent Sent)>();
        await Parallel.ForEachAsync(files.Select((file, index) => (file, index)), new ParallelOptions { MaxDegreeOfParallelism = settings.Parallel, CancellationToken = ct },
            async (item, token) =>
            {
                var (file, index) = item;
                try
                {
                    var text = await File.ReadAllTextAsync(file.FullPath, token);
                    var request = new IngestTextRequest
                    {
                        Text = text,
                        SourceType = Chunker.ModeOf("text", file.RelativePath),
                        FilePath = file.RelativePath,
                        DataSourceId = settings.DataSourceId,
                        ProjectId = settings.ProjectId,
                    };
                    var job = await ingest.TextAsync(sandboxId, request, token);
                    sent.Add((index, new Sent(file, job.JobId)));
                    // While waiting, a file's line comes when it is indexed; with --no-wait the job id is what there is to show.
                    progress.Step(settings.Wait ? null : $"queued {file.RelativePath} {job.JobId}");
                }
                catch (AgentRouterException ex) when (ex.StatusCode != HttpStatusCode.Unauthorized && ex.StatusCode != HttpStatusCode.NotFound)
                {
                    // This file was refused (too large, invalid); the others go on.
                    failures.Add(file.RelativePath);
                    progress.Note($"failed {file.RelativePath}: {ex.ErrorType ?? ((int)ex.StatusCode).ToString(CultureInfo.InvariantCulture)}: {ex.Detail ?? ex.Message}");
                }
                catch (IOException ex)
                {
                    failures.Add(file.RelativePath);
                    progress.Note($"failed {file.RelativePath}: cannot read it: {ex.Message}");
                }
            });
        return [.. sent.OrderBy(s => s.Index).Select(s => s.Sent)];
    }

    private static async Task<List<(FoundFile File, IngestJobStatus Status)>> WaitAsync(
        IngestResource ingest, string sandboxId, List<Sent> sent, int parallel, IngestProgress progress, ConcurrentBag<string> failures, CancellationToken ct)
    {
        var finished = new ConcurrentBag<(FoundFile File, IngestJobStatus Status)>();
        var pending = sent;
        var pause = TimeSpan.FromMilliseconds(50);
        while (pending.Count > 0)
        {
            var stillPending = new ConcurrentBag<Sent>();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (job, token) =>
            {
                var status = await ingest.GetJobAsync(sandboxId, job.JobId, token);
                if (!IngestResource.IsFinished(status.Status))
                {
                    stillPending.Add(job);
                    return;
                }

                finished.Add((job.File, status));
                if (status.Status == IngestStatus.Completed)
                {
                    var result = status.Result;
                    progress.Step($"indexed {job.File.RelativePath}: {Count(result?.Indexed ?? 0, "chunk")}, {Count(result?.Duplicates ?? 0, "duplicate")}", result?.Indexed ?? 0);
                }
                else
                {
                    failures.Add(job.File.RelativePath);
                    progress.Step(null);
                    progress.Note($"failed {job.File.RelativePath}: {status.Status}: {status.ErrorMessage ?? "no detail"}");
                }
            });

            pending = [.. stillPending];
            if (pending.Count > 0)
            {
                await Task.Delay(pause, ct);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 1000));
            }
        }

        return [.. finished];
    }

    private static async Task WriteSummaryAsync(
        CliHost host, string sandboxId, Settings settings, WalkResult walk, int sentCount, int failed, int indexed, int duplicates, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var skipped = walk.Skipped.Count > 0 ? $", {walk.Skipped.Count} skipped" : string.Empty;
        if (!settings.Wait)
        {
            await host.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"queued {sentCount} files{skipped}, {failed} failed in {seconds:0.0} s; follow a job with GET /api/v1/storage/sandboxes/{sandboxId}/ingest/<job_id>"));
            return;
        }

        await host.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"files: {walk.Files.Count - failed} ingested{skipped}, {failed} failed"));
        await host.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"chunks: {indexed} indexed, {duplicates} duplicates skipped"));
        // Throughput counts every chunk the server processed: a duplicate was cut and hashed too.
        var rate = seconds > 0 ? (indexed + duplicates) / seconds : 0;
        await host.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"elapsed: {seconds:0.00} s ({rate:0.0} chunks/s)"));
    }

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
