using System.Text.Json.Nodes;
using Portage.Core.Ingest;
using Portage.Core.Limits;
using Portage.Core.Recording;
using Portage.Core.Retrieval;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

/// <summary>The seams of one store, as the engine sees them.</summary>
public sealed record StoreSet(ITenancyStore Tenancy, IWindowStore Windows, ISessionStore Sessions, IRunStore Runs, IDataSourceStore Sources, IIngestStore Ingest, IContentIndex Content, ISpendStore Spend, IRateStore Rates);

/// <summary>
/// What every store must do, tested only through the seams of Portage.Core. A store subclasses this once and hands
/// out a fresh, empty store per test (xUnit makes a new instance of the class for every test).
/// </summary>
public abstract partial class StoreConformanceTests : IAsyncLifetime
{
    // Whole milliseconds: every store must keep at least this precision (Postgres keeps microseconds).
    protected static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);

    protected const string AccountA = "acc_a";
    protected const string AccountB = "acc_b";
    protected const string SandboxA = "sb_a";
    protected const string SandboxB = "sb_b";
    protected const string UserA = "u-1";
    protected const string UserB = "org_1:user_7";

    protected static readonly SandboxRecord SandboxRecordA = new(SandboxA, AccountA, "owner_a", "default", "free", "active", """{"team":"a"}""", T0);
    protected static readonly SandboxRecord SandboxRecordB = new(SandboxB, AccountB, "owner_b", "default", "free", "active", null, T0.AddMinutes(1));
    protected static readonly ApiKeyRecord KeyA = new("key_a", AccountA, "development", "ptg_aaaaaaaa", Hash('a'), T0, null);
    protected static readonly ApiKeyRecord RunsKeyA = new("key_a_runs", AccountA, "backend", "ptg_rrrrrrrr", Hash('r'), T0.AddMinutes(2), null, Scope: Protocol.Tenancy.ApiKeyScopes.Runs);
    protected static readonly ApiKeyRecord KeyB = new("key_b", AccountB, "development", "ptg_bbbbbbbb", Hash('b'), T0.AddMinutes(1), T0.AddDays(30));

    private static readonly CancellationToken s_none = CancellationToken.None;
    private StoreSet? _stores;

    protected ITenancyStore Tenancy => Stores.Tenancy;

    protected IWindowStore Windows => Stores.Windows;

    protected ISessionStore Sessions => Stores.Sessions;

    protected IRunStore Runs => Stores.Runs;

    protected IDataSourceStore Sources => Stores.Sources;

    protected IIngestStore Ingest => Stores.Ingest;

    protected IContentIndex Content => Stores.Content;

    protected ISpendStore Spend => Stores.Spend;

    protected IRateStore Rates => Stores.Rates;

    protected static CancellationToken None => s_none;

    private StoreSet Stores => _stores ?? throw new InvalidOperationException("The store set is created in InitializeAsync.");

    /// <summary>A fresh, empty store (schema applied), used by one test only.</summary>
    protected abstract Task<StoreSet> CreateStoresAsync();

    /// <summary>The same database through a new store, as after a restart (or from another replica).</summary>
    protected abstract StoreSet Reopen();

    /// <summary>Releases what <see cref="CreateStoresAsync"/> made (files, connections, databases).</summary>
    protected virtual Task DisposeStoresAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _stores = await CreateStoresAsync();

    public Task DisposeAsync() => DisposeStoresAsync();

    /// <summary>Two accounts, each with one sandbox and one key; windows, sessions and runs need a sandbox.</summary>
    protected async Task SeedTenantsAsync()
    {
        await Tenancy.CreateAccountAsync(AccountA, T0, SandboxRecordA, KeyA, None);
        await Tenancy.CreateAccountAsync(AccountB, T0.AddMinutes(1), SandboxRecordB, KeyB, None);
    }

    protected static string Hash(char c) => new(c, 64);

    protected static WindowRecord Window(string id, string sandboxId = SandboxA, string? endUserId = UserA, DateTimeOffset? lastActiveAt = null,
        string status = SourceStatus.Active, string? archivedReason = null) =>
        new(id, sandboxId, endUserId, $"window-{id}", status, archivedReason, T0, lastActiveAt ?? T0, 0);

    protected async Task<WindowRecord> CreateWindowAsync(string id, string sandboxId = SandboxA, string? endUserId = UserA,
        DateTimeOffset? lastActiveAt = null, string status = SourceStatus.Active, string? archivedReason = null)
    {
        var window = Window(id, sandboxId, endUserId, lastActiveAt, status, archivedReason);
        await Windows.CreateWindowAsync(window, None);
        return window;
    }

    protected static SessionRecord Session(string id, WindowRecord window, string provider = "echo", string model = "echo-1", DateTimeOffset? at = null) =>
        new(id, window.SandboxId, window.EndUserId ?? UserA, window.Id, provider, model, null, "[]", 0, at ?? T0, at ?? T0);

    protected static RunRecord Run(string id, WindowRecord window, SessionRecord session, DateTimeOffset? startedAt = null) =>
        new(id, window.SandboxId, window.EndUserId ?? UserA, window.Id, session.Id, session.Provider, session.Model, RunStatus.Running, startedAt ?? T0);

    protected static NewTurn UserTurn(string runId, string text, DateTimeOffset at) =>
        new(TurnRole.User, "User", "echo", "echo-1", runId, RunStatus.Succeeded, at, (text.Length + 3) / 4, [TurnPart.OfText(text)]);

    protected static NewTurn AssistantTurn(string runId, DateTimeOffset at, string status, params TurnPart[] parts) =>
        new(TurnRole.Assistant, "echo/echo-1", "echo", "echo-1", runId, status, at, 7, parts);

    /// <summary>Starts a run with the given user messages; the session is new when <paramref name="newSession"/> is true.</summary>
    protected async Task<IReadOnlyList<long>> StartAsync(RunRecord run, SessionRecord session, bool newSession, params string[] userTexts)
    {
        var turns = userTexts.Select(t => UserTurn(run.Id, t, run.StartedAt)).ToList();
        return await Runs.StartRunAsync(new RunStart(run, newSession ? session : null, turns), None);
    }

    protected static RunEnd End(RunRecord run, DateTimeOffset finishedAt, string status = RunStatus.Succeeded, string? providerSessionId = null,
        string transcriptJson = "[]", params TurnPart[] parts) =>
        new(run.Scope, run.Model, AssistantTurn(run.Id, finishedAt, status, parts), providerSessionId, transcriptJson,
            status, status == RunStatus.Succeeded ? "end_turn" : null, """{"input_tokens":3,"output_tokens":7}""", status == RunStatus.Failed ? "boom" : null,
            finishedAt);

    /// <summary>JSON compared by meaning, so a store may keep it in a native JSON type.</summary>
    protected static void AssertJsonEqual(string? expected, string? actual)
    {
        if (expected is null || actual is null)
        {
            Assert.Equal(expected, actual);
            return;
        }

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"Expected JSON {expected} but found {actual}.");
    }
}
