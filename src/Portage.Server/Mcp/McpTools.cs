using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Sources;
using Portage.Core.Telemetry;
using Portage.Core.Tools;
using Portage.Core.Windows;
using Portage.Protocol.Ingest;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Sources;

namespace Portage.Server.Mcp;

/// <summary>
/// Runs the MCP tools against the caller's sandbox. The retrieval tools are the agent's own <see cref="RetrievalTools"/>
/// functions (same names, schemas and argument checks), given the active window's turns (the last 20) as history so
/// they are window-aware (copass-compat §5.7); <c>get_origin</c> never is. Failures come back as MCP tool errors
/// (<c>isError</c>) with the same detail the REST API gives, never as a transport error.
/// </summary>
internal sealed partial class McpTools
{
    private const int HistoryTurns = 20;

    private readonly IngestService _ingest;
    private readonly DataSourceService _sources;
    private readonly IWindowStore _windows;
    private readonly McpSessions _sessions;
    private readonly IHttpContextAccessor _http;
    private readonly ContentLogging _content;
    private readonly ILogger<McpTools> _logger;
    private readonly List<McpServerTool> _retrievalTools;

    public McpTools(
        RetrievalService retrieval,
        IngestService ingest,
        DataSourceService sources,
        IWindowStore windows,
        McpSessions sessions,
        IHttpContextAccessor http,
        ContentLogging content,
        ILogger<McpTools> logger)
    {
        _ingest = ingest;
        _sources = sources;
        _windows = windows;
        _sessions = sessions;
        _http = http;
        _content = content;
        _logger = logger;
        _retrievalTools = [.. RetrievalTools.Create(retrieval).Select(f => McpServerTool.Create(new SessionScopedFunction(f, RetrievalScopeAsync)))];
    }

    public ValueTask<ListToolsResult> ListAsync() =>
        ValueTask.FromResult(new ListToolsResult { Tools = [.. _retrievalTools.Select(t => t.ProtocolTool), .. McpToolSpecs.Own] });

    public async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Params?.Name ?? "";
        try
        {
            if (_retrievalTools.Find(t => t.ProtocolTool.Name == name) is { } shared)
            {
                return await shared.InvokeAsync(request, cancellationToken);
            }

            var call = CallOf(request);
            var result = name switch
            {
                "ingest" => await IngestAsync(call, cancellationToken),
                "context_window_create" => await CreateAsync(call, cancellationToken),
                "context_window_add_turn" => await AddTurnAsync(call, cancellationToken),
                "context_window_attach" => await AttachAsync(call, cancellationToken),
                "context_window_close" => await CloseAsync(call, cancellationToken),
                _ => throw new McpToolError($"Unknown tool '{name}'. List the tools with tools/list."),
            };
            return Ok(result);
        }
        catch (Exception ex) when (ex is McpToolError or ToolArgumentException)
        {
            return Error(ex.Message);
        }
        catch (PortageException ex)
        {
            return Error($"{ex.ErrorType}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogToolFailure(_logger, _content.Redact(ex), name);
            return Error($"{name} failed inside Portage; this is a bug in Portage. The server log has the details.");
        }
    }

    private async Task<JsonNode> IngestAsync(Call call, CancellationToken cancellationToken)
    {
        var accepted = await _ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
        {
            Text = call.Args.Text("content"),
            SourceType = call.Args.Text("source_type"),
            StorageOnly = call.Args.Boolean("storage_only"),
            OccurredAt = call.Args.Text("occurred_at"),
            // As REST ingest with end_user_id: the end user's own, never sandbox-wide.
            EndUserId = call.Caller.EndUserId,
        }, cancellationToken);
        return new JsonObject { ["job_id"] = accepted.Job.Id, ["status"] = accepted.Job.Status, ["data_source_id"] = accepted.Job.DataSourceId };
    }

    private async Task<JsonNode> CreateAsync(Call call, CancellationToken cancellationToken)
    {
        var projectId = call.Args.Text("project_id");
        var window = await _sources.RegisterAsync(call.Caller.SandboxId, new RegisterDataSourceRequest
        {
            Provider = "custom",
            Name = call.Args.Text("name"),
            IngestionMode = SourceIngestionMode.Manual,
            Kind = SourceKind.Ephemeral,
            EndUserId = call.Caller.EndUserId,
            ProjectId = projectId,
        }, cancellationToken);
        call.Session.Activate(window.Id, new McpWindow(window.ProjectId, call.Args.Strings("participants"), []));
        return new JsonObject { ["data_source_id"] = window.Id, ["active"] = true };
    }

    private async Task<JsonNode> AddTurnAsync(Call call, CancellationToken cancellationToken)
    {
        var role = Role(call.Args.Text("role"));
        var windowId = call.Args.Text("data_source_id") ?? call.Session.ActiveId ?? throw new McpToolError(McpToolSpecs.NoActiveWindow);
        var window = await WindowAsync(call, windowId, cancellationToken);
        var known = call.Session.Window(windowId);

        // The Copass turn envelope (§5.3): speaker is the name, else the role capitalised; per-call participants win.
        var speaker = call.Args.Text("name") ?? char.ToUpperInvariant(role[0]) + role[1..];
        var accepted = await _ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
        {
            Text = call.Args.Text("content"),
            SourceType = IngestService.Conversation,
            DataSourceId = windowId,
            ProjectId = known.ProjectId ?? window.ProjectId,
            Speaker = speaker,
            Participants = call.Args.Strings("participants") ?? known.Participants,
            EndUserId = call.Caller.EndUserId,
        }, cancellationToken);
        // The appended turn's seq is the window's turn count: no need to read the window back.
        return new JsonObject { ["data_source_id"] = windowId, ["turn_count"] = accepted.TurnSeq };
    }

    private async Task<JsonNode> AttachAsync(Call call, CancellationToken cancellationToken)
    {
        var windowId = call.Args.Text("data_source_id")
            ?? throw new McpToolError("data_source_id is required: the id of the Context Window to resume (from context_window_create).");
        var window = await WindowAsync(call, windowId, cancellationToken);
        var initial = call.Args.Turns("initial_turns");
        call.Session.Activate(windowId, new McpWindow(window.ProjectId, call.Args.Strings("participants"), initial));
        // The stored turns, plus the attached ones that the window's latest turns do not already hold (one bounded read).
        var latest = await _windows.ListTurnsBeforeAsync(call.Caller.SandboxId, windowId, long.MaxValue, 0, Math.Max(initial.Count, 1), cancellationToken);
        var added = initial.Count(i => !latest.Any(t => (t.Role, t.Text) == (i.Role, i.Content)));
        return new JsonObject { ["data_source_id"] = windowId, ["turn_count"] = window.TurnCount + added, ["active"] = true };
    }

    private async Task<JsonNode> CloseAsync(Call call, CancellationToken cancellationToken)
    {
        var windowId = call.Args.Text("data_source_id") ?? call.Session.ActiveId ?? throw new McpToolError(McpToolSpecs.NoActiveWindow);
        await WindowAsync(call, windowId, cancellationToken);
        await _sources.DisconnectAsync(call.Caller.SandboxId, windowId, cancellationToken);
        call.Session.Remove(windowId);
        return new JsonObject { ["data_source_id"] = windowId, ["closed"] = true };
    }

    private Call CallOf(RequestContext<CallToolRequestParams> request)
    {
        var caller = McpCaller.Of(_http.HttpContext)
            ?? throw new InvalidOperationException("The /mcp request was not authenticated by McpAuthMiddleware.");
        var args = new ToolArguments(request.Params?.Arguments?.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value)));
        return new Call(caller, _sessions.Get(request.Server.SessionId, caller), args);
    }

    private async Task<RetrievalToolScope> RetrievalScopeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var call = CallOf(request);
        var active = call.Session.ActiveId;
        if (active is null)
        {
            // No active window: plain retrieval (§6.4, "MCP server without an active window").
            return new RetrievalToolScope(new RetrievalScope(call.Caller.SandboxId, null, call.Caller.EndUserId), null);
        }

        // The window's own conversation chunks are left out (it already has them); its turns drive the exclusion set.
        var history = await HistoryAsync(call, active, HistoryTurns, cancellationToken);
        return new RetrievalToolScope(new RetrievalScope(call.Caller.SandboxId, call.Session.Window(active).ProjectId, call.Caller.EndUserId, active), history);
    }

    // The turns the client attached with, then the window's stored turns (without repeating any), the last `limit`.
    // Only the latest stored turns are read: a window of any length costs one bounded page.
    private async Task<List<HistoryMessage>> HistoryAsync(Call call, string windowId, int limit, CancellationToken cancellationToken)
    {
        var history = call.Session.Window(windowId).InitialTurns.ToList();
        var stored = await _windows.ListTurnsBeforeAsync(call.Caller.SandboxId, windowId, long.MaxValue, 0, limit + history.Count, cancellationToken);
        var seen = history.Select(h => (h.Role, h.Content)).ToHashSet();
        history.AddRange(stored.Select(t => new HistoryMessage { Role = t.Role, Content = t.Text, Name = t.Speaker })
            .Where(h => seen.Add((h.Role, h.Content))));
        return history.Count > limit ? history[^limit..] : history;
    }

    // A context window of the sandbox the caller may use: another end user's window answers as a missing one (rule 2).
    private async Task<DataSourceRecord> WindowAsync(Call call, string windowId, CancellationToken cancellationToken)
    {
        var source = await _sources.GetAsync(call.Caller.SandboxId, windowId, cancellationToken);
        if (!source.IsEphemeral || (call.Caller.EndUserId is { } endUser && source.EndUserId is { } owner && owner != endUser))
        {
            throw new McpToolError($"No Context Window '{windowId}' in this sandbox. Create one with context_window_create.");
        }

        return source;
    }

    private static string Role(string? role) => role is "user" or "assistant" or "system"
        ? role
        : throw new McpToolError($"role is '{role}'; use user, assistant or system.");

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    private static CallToolResult Ok(JsonNode result)
    {
        using var document = JsonDocument.Parse(result.ToJsonString());
        return Ok(document.RootElement.Clone());
    }

    private static CallToolResult Ok(JsonElement result) =>
        new() { Content = [new TextContentBlock { Text = result.GetRawText() }], StructuredContent = result };

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(LogLevel.Error, "MCP tool {Tool} failed")]
    private static partial void LogToolFailure(ILogger logger, Exception exception, string tool);

    private sealed record Call(McpCaller Caller, McpSessionState Session, ToolArguments Args);

    // An agent tool called over MCP: it gets the session's scope and history where a run would give its RunScope,
    // and its JSON result becomes the tool result (text and structured content alike).
    private sealed class SessionScopedFunction(
        AIFunction inner, Func<RequestContext<CallToolRequestParams>, CancellationToken, Task<RetrievalToolScope>> scopeOf)
        : DelegatingAIFunction(inner)
    {
        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var request = arguments.Services?.GetService(typeof(RequestContext<CallToolRequestParams>)) as RequestContext<CallToolRequestParams>
                ?? throw new InvalidOperationException($"{Name} is called over MCP only through its McpServerTool.");
            arguments.Context = new Dictionary<object, object?> { [typeof(RetrievalToolScope)] = await scopeOf(request, cancellationToken) };
            var result = await base.InvokeCoreAsync(arguments, cancellationToken);
            return result is JsonElement json ? Ok(json) : throw new InvalidOperationException($"{Name} answered with no JSON.");
        }
    }
}

/// <summary>A tool error whose message is meant for the model as it is.</summary>
internal sealed class McpToolError(string message) : Exception(message);
