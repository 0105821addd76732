using System.Text.Json;
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
using Portage.Protocol.Retrieval;

namespace Portage.Server.Mcp;

/// <summary>
/// Runs the MCP tools against the caller's sandbox. The retrieval tools are the agent's own <see cref="RetrievalTools"/>
/// functions (same names, schemas and argument checks), given the active window's turns (the last 20) as history so
/// they are window-aware (copass-compat §5.7); <c>get_origin</c> never is. The rest are <see cref="McpWindowTools"/>.
/// Failures come back as MCP tool errors (<c>isError</c>) with the same detail the REST API gives, never as a transport error.
/// </summary>
internal sealed partial class McpTools
{
    private const int HistoryTurns = 20;

    private readonly IWindowStore _windows;
    private readonly McpSessions _sessions;
    private readonly IHttpContextAccessor _http;
    private readonly ContentLogging _content;
    private readonly ILogger<McpTools> _logger;
    private readonly Dictionary<string, McpServerTool> _tools;

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
        _windows = windows;
        _sessions = sessions;
        _http = http;
        _content = content;
        _logger = logger;
        var own = new McpWindowTools(ingest, sources, windows).Create(ToolFunctions.Options(
            p => p.ParameterType == typeof(McpCall) ? arguments => CallOf(RequestOf(arguments)) : null,
            (result, type, _) => ValueTask.FromResult<object?>(Ok(JsonSerializer.SerializeToElement(result, type ?? typeof(object), ToolFunctions.Json)))));
        _tools = new Dictionary<string, McpServerTool>(StringComparer.Ordinal);
        foreach (var tool in RetrievalTools.Create(retrieval).Select(f => McpServerTool.Create(new SessionScopedFunction(f, RetrievalScopeAsync))).Concat(own.Select(f => McpServerTool.Create(f))))
        {
            _tools.Add(tool.ProtocolTool.Name, tool);
        }
    }

    public ValueTask<ListToolsResult> ListAsync() =>
        ValueTask.FromResult(new ListToolsResult { Tools = [.. _tools.Values.Select(t => t.ProtocolTool)] });

    public async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Params?.Name ?? "";
        try
        {
            return _tools.TryGetValue(name, out var tool)
                ? await tool.InvokeAsync(request, cancellationToken)
                : throw new McpToolError($"Unknown tool '{name}'. List the tools with tools/list.");
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

    private McpCall CallOf(RequestContext<CallToolRequestParams> request)
    {
        var caller = McpCaller.Of(_http.HttpContext)
            ?? throw new InvalidOperationException("The /mcp request was not authenticated by McpAuthMiddleware.");
        return new McpCall(caller, _sessions.Get(request.Server.SessionId, caller));
    }

    // McpServerTool hands each call's request to its function through the arguments' services.
    private static RequestContext<CallToolRequestParams> RequestOf(AIFunctionArguments arguments) =>
        arguments.Services?.GetService(typeof(RequestContext<CallToolRequestParams>)) as RequestContext<CallToolRequestParams>
            ?? throw new InvalidOperationException("An /mcp tool is called only through its McpServerTool.");

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
    private async Task<List<HistoryMessage>> HistoryAsync(McpCall call, string windowId, int limit, CancellationToken cancellationToken)
    {
        var history = call.Session.Window(windowId).InitialTurns.ToList();
        var stored = await _windows.ListTurnsBeforeAsync(call.Caller.SandboxId, windowId, long.MaxValue, 0, limit + history.Count, cancellationToken);
        var seen = history.Select(h => (h.Role, h.Content)).ToHashSet();
        history.AddRange(stored.Select(t => new HistoryMessage { Role = t.Role, Content = t.Text, Name = t.Speaker })
            .Where(h => seen.Add((h.Role, h.Content))));
        return history.Count > limit ? history[^limit..] : history;
    }

    private static CallToolResult Ok(JsonElement result) =>
        new() { Content = [new TextContentBlock { Text = result.GetRawText() }], StructuredContent = result };

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(LogLevel.Error, "MCP tool {Tool} failed")]
    private static partial void LogToolFailure(ILogger logger, Exception exception, string tool);

    // An agent tool called over MCP: it gets the session's scope and history where a run would give its RunScope,
    // and its JSON result becomes the tool result (text and structured content alike).
    private sealed class SessionScopedFunction(
        AIFunction inner, Func<RequestContext<CallToolRequestParams>, CancellationToken, Task<RetrievalToolScope>> scopeOf)
        : DelegatingAIFunction(inner)
    {
        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            arguments.Context = new Dictionary<object, object?> { [typeof(RetrievalToolScope)] = await scopeOf(RequestOf(arguments), cancellationToken) };
            var result = await base.InvokeCoreAsync(arguments, cancellationToken);
            return result is JsonElement json ? Ok(json) : throw new InvalidOperationException($"{Name} answered with no JSON.");
        }
    }
}

/// <summary>A tool error whose message is meant for the model as it is.</summary>
internal sealed class McpToolError(string message) : Exception(message);
