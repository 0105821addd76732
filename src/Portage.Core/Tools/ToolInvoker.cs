using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Core.Telemetry;

namespace Portage.Core.Tools;

/// <summary>
/// Runs the tool calls a model asked for, one after another in the order asked. A tool's failure, an unknown tool or
/// bad arguments become a result with an error that the model sees (so it can recover); only the run's own
/// cancellation stops the invoker.
/// </summary>
public sealed partial class ToolInvoker(ToolRegistry registry, IServiceProvider services, ContentLogging content, ILogger<ToolInvoker> logger)
{
    /// <summary>The tools offered to a run, or null when there are none.</summary>
    public async Task<IList<AITool>?> OfferedAsync(RunScope context, CancellationToken cancellationToken)
    {
        var offered = await registry.OfferedAsync(context, cancellationToken);
        return offered.Count == 0 ? null : [.. offered];
    }

    /// <summary>Executes each call and returns one result per call, in the same order.</summary>
    public async Task<List<FunctionResultContent>> InvokeAsync(IReadOnlyList<FunctionCallContent> calls, RunScope context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var results = new List<FunctionResultContent>(calls.Count);
        foreach (var call in calls)
        {
            results.Add(await InvokeOneAsync(call, context, cancellationToken));
        }

        return results;
    }

    private async Task<FunctionResultContent> InvokeOneAsync(FunctionCallContent call, RunScope context, CancellationToken cancellationToken)
    {
        using var span = PortageTelemetry.Source.StartActivity($"execute_tool {call.Name}");
        span?.SetTag("gen_ai.operation.name", "execute_tool");
        span?.SetTag("gen_ai.tool.name", call.Name);
        span?.SetTag("gen_ai.tool.call.id", call.CallId);
        span?.SetTag("portage.run.id", context.RunId);
        var result = await RunOneAsync(call, context, cancellationToken);
        if (result.Exception is not null)
        {
            PortageTelemetry.Fail(span, result.Exception);
            PortageTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", "tool_error"), new KeyValuePair<string, object?>("gen_ai.tool.name", call.Name));
        }

        return result;
    }

    private async Task<FunctionResultContent> RunOneAsync(FunctionCallContent call, RunScope context, CancellationToken cancellationToken)
    {
        var tool = registry.Find(call.Name);
        if (tool is null)
        {
            var known = registry.All.Count == 0 ? "none" : string.Join(", ", registry.All.Select(t => t.Name));
            return Failed(call, $"Unknown tool '{call.Name}'. Available tools: {known}.");
        }

        if (call.Exception is not null)
        {
            // The provider adapter could not parse the model's arguments.
            return Failed(call, $"The arguments of '{call.Name}' are not valid JSON: {call.Exception.Message}");
        }

        try
        {
            var arguments = new AIFunctionArguments(call.Arguments)
            {
                Services = services,
                Context = new Dictionary<object, object?> { [typeof(RunScope)] = context },
            };
            var value = await tool.InvokeAsync(arguments, cancellationToken);
            return new FunctionResultContent(call.CallId, JsonSerializer.SerializeToElement(value is JsonElement json ? json : value, CompactJson.Options));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogToolFailed(logger, content.Redact(ex), call.Name, context.RunId);
            return Failed(call, ex.Message);
        }
    }

    // The model is told what went wrong in the result itself; Exception marks it failed for the wire (error, result {}).
    private static FunctionResultContent Failed(FunctionCallContent call, string message) =>
        new(call.CallId, JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["error"] = message }, CompactJson.Options))
        {
            Exception = new InvalidOperationException(message),
        };

    [LoggerMessage(LogLevel.Warning, "Tool {Tool} failed in run {RunId}")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, string tool, string runId);
}
