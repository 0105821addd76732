using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Sources;
using Portage.Core.Telemetry;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Ingest;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Sources;

namespace Portage.Server.Mcp;

/// <summary>
/// Runs the MCP tools against the caller's sandbox. Retrieval passes the active window's turns (the last 20) as
/// history, so it is window-aware (copass-compat §5.7); <c>get_origin</c> never is. Failures come back as MCP tool
/// errors (<c>isError</c>) with the same detail the REST API gives, never as a transport error.
/// </summary>
internal sealed partial class McpTools(
    RetrievalService retrieval,
    IngestService ingest,
    DataSourceService sources,
    IWindowStore windows,
    McpSessions sessions,
    IHttpContextAccessor http,
    ContentLogging content,
    ILogger<McpTools> logger)
{
    private const int HistoryTurns = 20;

    public ValueTask<ListToolsResult> ListAsync() => ValueTask.FromResult(new ListToolsResult { Tools = [.. McpToolSpecs.All(retrieval)] });

    public async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Params?.Name ?? "";
        try
        {
            var caller = McpCaller.Of(http.HttpContext)
                ?? throw new InvalidOperationException("The /mcp request was not authenticated by McpAuthMiddleware.");
            var args = new McpArguments(request.Params?.Arguments);
            var call = new Call(caller, sessions.Get(request.Server.SessionId, caller), args);
            var result = name switch
            {
                "discover" => await DiscoverAsync(call, cancellationToken),
                "interpret" => await InterpretAsync(call, cancellationToken),
                "search" => await SearchAsync(call, cancellationToken),
                "get_origin" => await OriginAsync(call, cancellationToken),
                "ingest" => await IngestAsync(call, cancellationToken),
                "context_window_create" => await CreateAsync(call, cancellationToken),
                "context_window_add_turn" => await AddTurnAsync(call, cancellationToken),
                "context_window_attach" => await AttachAsync(call, cancellationToken),
                "context_window_close" => await CloseAsync(call, cancellationToken),
                _ => throw new McpToolError($"Unknown tool '{name}'. List the tools with tools/list."),
            };
            return Ok(result);
        }
        catch (McpToolError ex)
        {
            return Error(ex.Message);
        }
        catch (PortageException ex)
        {
            return Error($"{ex.ErrorType}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogToolFailure(logger, content.Redact(ex), name);
            return Error($"{name} failed inside Portage; this is a bug in Portage. The server log has the details.");
        }
    }

    private async Task<JsonNode> DiscoverAsync(Call call, CancellationToken cancellationToken)
    {
        var (scope, history) = await RetrievalScopeAsync(call, cancellationToken);
        var found = await retrieval.DiscoverAsync(scope, call.Args.Text("query"), history, cancellationToken);
        return RetrievalTools.Project(found);
    }

    private async Task<JsonNode> InterpretAsync(Call call, CancellationToken cancellationToken)
    {
        var (scope, history) = await RetrievalScopeAsync(call, cancellationToken);
        var brief = await retrieval.InterpretAsync(scope, call.Args.Text("query"), call.Args.Tuples("items"), history, null, cancellationToken);
        return new JsonObject { ["brief"] = brief.Brief };
    }

    private async Task<JsonNode> SearchAsync(Call call, CancellationToken cancellationToken)
    {
        var (scope, history) = await RetrievalScopeAsync(call, cancellationToken);
        var answer = await retrieval.SearchAsync(scope, call.Args.Text("query"), history, null, null, null, cancellationToken);
        return new JsonObject { ["answer"] = answer.Answer };
    }

    private async Task<JsonNode> OriginAsync(Call call, CancellationToken cancellationToken)
    {
        var scope = new RetrievalScope(call.Caller.SandboxId, null, call.Caller.EndUserId);
        var origins = await retrieval.OriginsAsync(scope, call.Args.Strings("canonical_ids"), call.Args.Integer("limit_per_canonical"), cancellationToken);
        return JsonSerializer.SerializeToNode(origins, ProtocolJson.Wire.OriginsResponse)!;
    }

    private async Task<JsonNode> IngestAsync(Call call, CancellationToken cancellationToken)
    {
        var accepted = await ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
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
        var window = await sources.RegisterAsync(call.Caller.SandboxId, new RegisterDataSourceRequest
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
        var accepted = await ingest.EnqueueAsync(call.Caller.SandboxId, new IngestTextRequest
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
        var latest = await windows.ListTurnsBeforeAsync(call.Caller.SandboxId, windowId, long.MaxValue, 0, Math.Max(initial.Count, 1), cancellationToken);
        var added = initial.Count(i => !latest.Any(t => (t.Role, t.Text) == (i.Role, i.Content)));
        return new JsonObject { ["data_source_id"] = windowId, ["turn_count"] = window.TurnCount + added, ["active"] = true };
    }

    private async Task<JsonNode> CloseAsync(Call call, CancellationToken cancellationToken)
    {
        var windowId = call.Args.Text("data_source_id") ?? call.Session.ActiveId ?? throw new McpToolError(McpToolSpecs.NoActiveWindow);
        await WindowAsync(call, windowId, cancellationToken);
        await sources.DisconnectAsync(call.Caller.SandboxId, windowId, cancellationToken);
        call.Session.Remove(windowId);
        return new JsonObject { ["data_source_id"] = windowId, ["closed"] = true };
    }

    private async Task<(RetrievalScope Scope, IReadOnlyList<HistoryMessage>? History)> RetrievalScopeAsync(Call call, CancellationToken cancellationToken)
    {
        var active = call.Session.ActiveId;
        if (active is null)
        {
            // No active window: plain retrieval (§6.4, "MCP server without an active window").
            return (new RetrievalScope(call.Caller.SandboxId, null, call.Caller.EndUserId), null);
        }

        // The window's own conversation chunks are left out (it already has them); its turns drive the exclusion set.
        var history = await HistoryAsync(call, active, HistoryTurns, cancellationToken);
        return (new RetrievalScope(call.Caller.SandboxId, call.Session.Window(active).ProjectId, call.Caller.EndUserId, active), history);
    }

    // The turns the client attached with, then the window's stored turns (without repeating any), the last `limit`.
    // Only the latest stored turns are read: a window of any length costs one bounded page.
    private async Task<List<HistoryMessage>> HistoryAsync(Call call, string windowId, int limit, CancellationToken cancellationToken)
    {
        var history = call.Session.Window(windowId).InitialTurns.ToList();
        var stored = await windows.ListTurnsBeforeAsync(call.Caller.SandboxId, windowId, long.MaxValue, 0, limit + history.Count, cancellationToken);
        var seen = history.Select(h => (h.Role, h.Content)).ToHashSet();
        history.AddRange(stored.Select(t => new HistoryMessage { Role = t.Role, Content = t.Text, Name = t.Speaker })
            .Where(h => seen.Add((h.Role, h.Content))));
        return history.Count > limit ? history[^limit..] : history;
    }

    // A context window of the sandbox the caller may use: another end user's window answers as a missing one (rule 2).
    private async Task<DataSourceRecord> WindowAsync(Call call, string windowId, CancellationToken cancellationToken)
    {
        var source = await sources.GetAsync(call.Caller.SandboxId, windowId, cancellationToken);
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
        var element = document.RootElement.Clone();
        return new CallToolResult { Content = [new TextContentBlock { Text = element.GetRawText() }], StructuredContent = element };
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(LogLevel.Error, "MCP tool {Tool} failed")]
    private static partial void LogToolFailure(ILogger logger, Exception exception, string tool);

    private sealed record Call(McpCaller Caller, McpSessionState Session, McpArguments Args);
}

/// <summary>A tool error whose message is meant for the model as it is.</summary>
internal sealed class McpToolError(string message) : Exception(message);
