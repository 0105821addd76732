using Portage.Core.Retrieval;
using Portage.Testing;

namespace Portage.Cli.Tests.Ingest;

/// <summary><c>portage ingest</c> end to end: the real CLI against the real router in process, on a small folder.</summary>
public sealed class IngestCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "portage-ingest-cli", Guid.NewGuid().ToString("n"));
    private readonly List<PortageApp> _apps = [];

    [Fact]
    public async Task Ingest_sends_each_file_waits_for_the_jobs_and_prints_a_summary()
    {
        WriteProject();
        var app = App();

        var (exit, stdout, _) = await RunAsync(app, "ingest", "project");

        Assert.True(exit == 0, stdout);
        var lines = Lines(stdout);
        Assert.Equal(["skipped project/logo.png: binary"], lines.Where(l => l.StartsWith("skipped", StringComparison.Ordinal)));
        Assert.Equal(
            ["indexed project/README.md: 2 chunks, 0 duplicates", "indexed project/docs/guide.md: 2 chunks, 0 duplicates", "indexed project/src/app.py: 1 chunk, 0 duplicates"],
            lines.Where(l => l.StartsWith("indexed", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("files: 3 ingested, 1 skipped, 0 failed", lines);
        Assert.Contains("chunks: 5 indexed, 0 duplicates skipped", lines);
        Assert.Matches(@"^elapsed: \d+\.\d\d s \(\d+\.\d chunks/s\)$", lines[^1]);

        var hit = Assert.Single(await SearchAsync(app, "kestrel"));
        Assert.Equal(("project/docs/guide.md", "guide.md › Guide › Tuning"), (hit.Chunk.FilePath, hit.Chunk.Breadcrumb));
        Assert.Equal("code", Assert.Single(await SearchAsync(app, "greet")).Chunk.SourceType);
        Assert.Empty(await SearchAsync(app, "debug noise"));
        Assert.Empty(await SearchAsync(app, "generated artefact"));
    }

    [Fact]
    public async Task Ingesting_the_same_folder_again_indexes_nothing_new()
    {
        WriteProject();
        var app = App();
        await RunAsync(app, "ingest", "project");

        var (exit, stdout, _) = await RunAsync(app, "ingest", "project");

        Assert.Equal(0, exit);
        Assert.Contains("chunks: 0 indexed, 5 duplicates skipped", Lines(stdout));
    }

    [Fact]
    public async Task No_wait_prints_each_job_id_and_returns_once_queued()
    {
        WriteProject();
        var app = App(new Dictionary<string, string?> { ["Ingest:Concurrency"] = "0" });

        var (exit, stdout, _) = await RunAsync(app, "ingest", "--no-wait", "project/docs", "project/README.md");

        Assert.Equal(0, exit);
        var lines = Lines(stdout);
        Assert.Equal(2, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^queued project/(docs/guide\.md|README\.md) job_[a-z2-7]{20}$")));
        Assert.StartsWith("queued 2 files, 0 failed in ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_a_progress_bar_is_drawn_on_stderr_instead_of_file_lines()
    {
        WriteProject();
        var app = App();

        var (exit, stdout, stderr) = await RunAsync(app, terminal: true, "ingest", "project");

        Assert.Equal(0, exit);
        Assert.Contains("\rindexing [", stderr, StringComparison.Ordinal);
        Assert.Contains("] 3/3 files  5 chunks", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("indexed project", stdout, StringComparison.Ordinal);
        Assert.Contains("files: 3 ingested, 1 skipped, 0 failed", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_the_server_refuses_is_reported_and_the_others_still_go_in()
    {
        WriteProject();
        Write("project/docs/huge.md", "# Huge\n\n" + new string('z', 3000));
        var app = App(new Dictionary<string, string?> { ["Server:MaxRequestBodyBytes"] = "2048" });

        var (exit, stdout, _) = await RunAsync(app, "ingest", "project");

        Assert.Equal(1, exit);
        var lines = Lines(stdout);
        Assert.Contains(lines, l => l.StartsWith("failed project/docs/huge.md: payload_too_large: ", StringComparison.Ordinal));
        Assert.Contains("files: 3 ingested, 1 skipped, 1 failed", lines);
    }

    [Fact]
    public async Task A_missing_path_or_an_unknown_data_source_is_a_setup_error()
    {
        WriteProject();
        var app = App();

        var missing = await RunAsync(app, "ingest", "nowhere");
        var unknownSource = await RunAsync(app, "ingest", "--data-source", "ds_nope", "project/README.md");

        Assert.Equal((2, "no such file or folder: nowhere"), (missing.Exit, missing.Stderr.Trim()));
        Assert.Equal(2, unknownSource.Exit);
        Assert.Contains("source_not_found", unknownSource.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Links_out_of_the_folder_or_to_files_the_rules_leave_out_are_skipped_and_reported()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // symbolic links need a privilege there
        }

        WriteProject();
        Write(".env", "OPENAI_API_KEY=zanzibar-secret");
        Write("elsewhere/wombat.md", "# Wombat\n\nThe wombat lives outside the project.");
        Write("project/.quokka", "The quokka note is hidden.");
        Link("project/config.md", "../.env");
        Link("project/visible.md", ".quokka");
        Link("project/built.md", "build/out.md");
        Link("project/gone.md", "nothing-here.md");
        Link("project/loop.md", "loop.md");
        Link("project/alias.md", "docs/guide.md");
        Directory.CreateSymbolicLink(Path.Combine(_root, "project/outside"), "../elsewhere");
        Directory.CreateSymbolicLink(Path.Combine(_root, "project/docs/again"), "..");
        var app = App();

        var (exit, stdout, _) = await RunAsync(app, "ingest", "project");

        Assert.True(exit == 0, stdout);
        var lines = Lines(stdout);
        Assert.Equal(
            [
                "skipped project/built.md: link to a file .gitignore leaves out (build/out.md)",
                "skipped project/config.md: link to a file outside project (../.env)",
                "skipped project/docs/again: link to a folder inside project; its files are taken from where they are",
                "skipped project/gone.md: broken link (nothing-here.md)",
                "skipped project/logo.png: binary",
                "skipped project/loop.md: broken link (loop.md)",
                "skipped project/outside: link to a folder outside project (../elsewhere)",
                "skipped project/visible.md: link to a hidden file (.quokka); --hidden includes it",
            ],
            lines.Where(l => l.StartsWith("skipped", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("files: 3 ingested, 8 skipped, 0 failed", lines);
        Assert.Empty(await SearchAsync(app, "zanzibar"));
        Assert.Empty(await SearchAsync(app, "quokka"));
        Assert.Empty(await SearchAsync(app, "wombat"));
        Assert.Single(await SearchAsync(app, "kestrel"));
    }

    [Fact]
    public async Task A_link_inside_the_folder_to_a_file_the_rules_admit_is_ingested_under_its_own_name()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Write("notes/real/plan.md", "# Plan\n\nThe capybara migration starts on Monday.");
        Link("notes/plan-link.md", "real/plan.md");
        var app = App();

        var (exit, stdout, _) = await RunAsync(app, "ingest", "notes/plan-link.md", "notes");

        Assert.True(exit == 0, stdout);
        Assert.Contains("files: 1 ingested, 0 failed", Lines(stdout));
        Assert.Equal("notes/plan-link.md", Assert.Single(await SearchAsync(app, "capybara")).Chunk.FilePath);
    }

    private void Link(string relativePath, string target) => File.CreateSymbolicLink(Path.Combine(_root, relativePath), target);

    public void Dispose()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void WriteProject()
    {
        Write("project/.gitignore", "*.log\nbuild/\n");
        Write("project/README.md", "# Project\n\nA tiny project for the ingest test.\n\n## Usage\n\nRun it and read the output.");
        Write("project/docs/guide.md", "# Guide\n\nStart here.\n\n## Tuning\n\nThe kestrel setting controls how fast the tool runs.");
        Write("project/src/app.py", "def greet(name):\n    return f\"hello {name}\"\n");
        Write("project/debug.log", "debug noise");
        Write("project/build/out.md", "generated artefact");
        Directory.CreateDirectory(Path.Combine(_root, "project"));
        File.WriteAllBytes(Path.Combine(_root, "project/logo.png"), [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01]);
    }

    private void Write(string relativePath, string content)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private PortageApp App(Dictionary<string, string?>? settings = null)
    {
        var app = new PortageApp(settings: settings);
        _apps.Add(app);
        return app;
    }

    private Task<(int Exit, string Stdout, string Stderr)> RunAsync(PortageApp app, params string[] args) => RunAsync(app, terminal: false, args);

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(PortageApp app, bool terminal, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new Dictionary<string, string>
        {
            ["PORTAGE_URL"] = "http://portage.test",
            ["PORTAGE_API_KEY"] = app.Credentials.ApiKey,
            ["PORTAGE_SANDBOX_ID"] = app.SandboxId,
        };
        var host = new CliHost
        {
            In = new StringReader(string.Empty),
            Out = stdout,
            Error = stderr,
            GetEnvironmentVariable = name => environment.GetValueOrDefault(name),
            ResolveDataFolder = () => Path.Combine(_root, "no-data-folder"),
            HttpHandler = app.Server.CreateHandler(),
            RetryBaseDelay = TimeSpan.Zero,
            CurrentDirectory = () => _root,
            ErrorIsTerminal = terminal,
        };
        var exit = await PortageCli.RunAsync(args, host);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static List<string> Lines(string text) => [.. text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static async Task<IReadOnlyList<ChunkHit>> SearchAsync(PortageApp app, string text) =>
        await app.Get<IContentIndex>().SearchAsync(new ContentQuery(app.SandboxId, text, null, null, new HashSet<string>(), 10), CancellationToken.None);
}
