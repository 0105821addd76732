using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Sources;
using Portage.Core.Windows;
using Portage.Protocol.Ingest;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Sources;

// AIFunctionName and AIParameterName are MEAI's evaluation API; they keep the wire names (ingest, data_source_id) next
// to the C# ones, and the build breaks here first if they change.
#pragma warning disable MEAI001

namespace Portage.Server.Mcp;

/// <summary>
/// The tools only <c>/mcp</c> has: <c>ingest</c> and the Context Window tools of <c>@copass/mcp</c> (§5.5); the retrieval
/// tools are <see cref="RetrievalTools"/>' own (copass-compat §6.7). Each is a method whose attributes and parameter
/// types make its name, description and input schema; the session's caller and windows come in as an <see cref="McpCall"/>.
/// </summary>
internal sealed class McpWindowTools(IngestService ingest, DataSourceService sources, IWindowStore windows)
{
    public const string NoActiveWindow = "No active Context Window — call context_window_create or context_window_attach first.";

    private const string Participants = "Who takes part in the conversation; sent with each turn.";

    /// <summary>The five tools as functions; <paramref name="options"/> binds their <see cref="McpCall"/>.</summary>
    public IReadOnlyList<AIFunction> Create(AIFunctionFactoryOptions options) =>
    [
        AIFunctionFactory.Create(IngestAsync, options),
        AIFunctionFactory.Create(CreateWindowAsync, options),
        AIFunctionFactory.Create(AddTurnAsync, options),
        AIFunctionFactory.Create(AttachAsync, options),
        AIFunctionFactory.Create(CloseAsync, options),
    ];

    [AIFunctionName("ingest")]
    [Description("Store content in the sandbox so later discover / search calls can find it (Markdown, text, code, notes). Returns the ingest job; indexing finishes in the background within moments.")]
    private async Task<IngestQueued> IngestAsync(
        McpCall call,
        [Description("The content to store. A first line [File: path] names its source file."), MinLength(1)] string content,
        [AIParameterName("source_type"), Description("text (default), markdown, code, note, …")] string? sourceType = null,
        [AIParameterName("storage_only"), Description("Accepted for compatibility; content is indexed either way.")] bool? storageOnly = null,
        [AIParameterName("occurred_at"), Description("When it happened, ISO-8601.")] string? occurredAt = null,
        CancellationToken cancellationToken = default)
    {
        var accepted = await ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
        {
            Text = content,
            SourceType = sourceType,
            StorageOnly = storageOnly,
            OccurredAt = occurredAt,
            // As REST ingest with end_user_id: the end user's own, never sandbox-wide.
            EndUserId = call.Caller.EndUserId,
        }, cancellationToken);
        return new IngestQueued(accepted.Job.Id, accepted.Job.Status, accepted.Job.DataSourceId);
    }

    [AIFunctionName("context_window_create")]
    [Description("Create a Context Window (a conversation the sandbox remembers) and make it active: later turns are recorded in it, and retrieval leaves out what its turns already contain.")]
    private async Task<WindowActivated> CreateWindowAsync(
        McpCall call,
        [AIParameterName("project_id")] string? projectId = null,
        string? name = null,
        [Description(Participants)] IReadOnlyList<string>? participants = null,
        CancellationToken cancellationToken = default)
    {
        var window = await sources.RegisterAsync(call.Caller.SandboxId, new RegisterDataSourceRequest
        {
            Provider = "custom",
            Name = name,
            IngestionMode = SourceIngestionMode.Manual,
            Kind = SourceKind.Ephemeral,
            EndUserId = call.Caller.EndUserId,
            ProjectId = projectId,
        }, cancellationToken);
        call.Session.Activate(window.Id, new McpWindow(window.ProjectId, participants, []));
        return new WindowActivated(window.Id, true);
    }

    [AIFunctionName("context_window_add_turn")]
    [Description("Record one turn of the conversation in the active Context Window (or the one named by data_source_id).")]
    private async Task<WindowTurnCount> AddTurnAsync(
        McpCall call,
        McpTurnRole role,
        [MinLength(1)] string content,
        [Description("Speaker name; defaults to the role (User, Assistant, System).")] string? name = null,
        [Description(Participants)] IReadOnlyList<string>? participants = null,
        [AIParameterName("data_source_id"), Description("A window id; defaults to the active window.")] string? dataSourceId = null,
        CancellationToken cancellationToken = default)
    {
        var windowId = dataSourceId ?? call.Session.ActiveId ?? throw new McpToolError(NoActiveWindow);
        var window = await WindowAsync(call, windowId, cancellationToken);
        var known = call.Session.Window(windowId);

        // The Copass turn envelope (§5.3): speaker is the name, else the role capitalised; per-call participants win.
        var accepted = await ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
        {
            Text = content,
            SourceType = IngestService.Conversation,
            DataSourceId = windowId,
            ProjectId = known.ProjectId ?? window.ProjectId,
            Speaker = name ?? role.ToString(),
            Participants = participants ?? known.Participants,
            EndUserId = call.Caller.EndUserId,
        }, cancellationToken);
        // The appended turn's seq is the window's turn count: no need to read the window back.
        return new WindowTurnCount(windowId, accepted.TurnSeq);
    }

    [AIFunctionName("context_window_attach")]
    [Description("Resume an existing Context Window by its data_source_id and make it active. initial_turns are the turns this client already has (used as history, not recorded again).")]
    private async Task<WindowAttached> AttachAsync(
        McpCall call,
        [AIParameterName("data_source_id")] string dataSourceId,
        [AIParameterName("initial_turns")] IReadOnlyList<McpTurn>? initialTurns = null,
        [Description(Participants)] IReadOnlyList<string>? participants = null,
        CancellationToken cancellationToken = default)
    {
        var window = await WindowAsync(call, dataSourceId, cancellationToken);
        List<HistoryMessage> initial = [.. (initialTurns ?? []).Select(t => new HistoryMessage { Role = t.Role.Wire(), Content = t.Content, Name = t.Name })];
        call.Session.Activate(dataSourceId, new McpWindow(window.ProjectId, participants, initial));
        // The stored turns, plus the attached ones that the window's latest turns do not already hold (one bounded read).
        var latest = await windows.ListTurnsBeforeAsync(call.Caller.SandboxId, dataSourceId, long.MaxValue, 0, Math.Max(initial.Count, 1), cancellationToken);
        var added = initial.Count(i => !latest.Any(t => (t.Role, t.Text) == (i.Role, i.Content)));
        return new WindowAttached(dataSourceId, window.TurnCount + added, true);
    }

    [AIFunctionName("context_window_close")]
    [Description("Close a Context Window (the active one when data_source_id is omitted): it is disconnected, keeps its turns, and is no longer active.")]
    private async Task<WindowClosed> CloseAsync(
        McpCall call,
        [AIParameterName("data_source_id")] string? dataSourceId = null,
        CancellationToken cancellationToken = default)
    {
        var windowId = dataSourceId ?? call.Session.ActiveId ?? throw new McpToolError(NoActiveWindow);
        await WindowAsync(call, windowId, cancellationToken);
        await sources.DisconnectAsync(call.Caller.SandboxId, windowId, cancellationToken);
        call.Session.Remove(windowId);
        return new WindowClosed(windowId, true);
    }

    // A context window of the sandbox the caller may use: another end user's window answers as a missing one (rule 2).
    private async Task<DataSourceRecord> WindowAsync(McpCall call, string windowId, CancellationToken cancellationToken)
    {
        var source = await sources.GetAsync(call.Caller.SandboxId, windowId, cancellationToken);
        if (!source.IsEphemeral || (call.Caller.EndUserId is { } endUser && source.EndUserId is { } owner && owner != endUser))
        {
            throw new McpToolError($"No Context Window '{windowId}' in this sandbox. Create one with context_window_create.");
        }

        return source;
    }

    private sealed record IngestQueued(string JobId, string Status, string? DataSourceId);

    private sealed record WindowActivated(string DataSourceId, bool Active);

    private sealed record WindowTurnCount(string DataSourceId, long? TurnCount);

    private sealed record WindowAttached(string DataSourceId, int TurnCount, bool Active);

    private sealed record WindowClosed(string DataSourceId, bool Closed);
}

/// <summary>The session's caller and windows, which every <c>/mcp</c> tool works in (not an argument).</summary>
internal sealed record McpCall(McpCaller Caller, McpSessionState Session);
