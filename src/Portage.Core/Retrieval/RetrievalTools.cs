using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Core.Tools;
using Portage.Protocol;
using Portage.Protocol.Retrieval;

namespace Portage.Core.Retrieval;

/// <summary>
/// The retrieval tools offered to models in every run (copass-compat §6.7): <c>discover</c>, <c>interpret</c>,
/// <c>search</c>, <c>get_origin</c>. They run against the run's sandbox, end user and window, so the window's delivery
/// ledger keeps every later call from delivering the same material again. Specs are constant, so provider prompt
/// caches keep hitting.
/// </summary>
public static class RetrievalTools
{
    /// <summary>Tool description of discover.</summary>
    public const string DiscoverDescription =
        "Discover what the sandbox knows about a question: returns a short menu of relevant items (labels with canonical_ids and source files, not content). " +
        "Items already delivered in this conversation are never repeated, so calling it again on the same topic returns the next items. " +
        "Call interpret with an item's canonical_ids for a brief, or search for a synthesized answer.";

    /// <summary>Tool description of interpret.</summary>
    public const string InterpretDescription =
        "Legacy: prefer search. Returns a brief about the chosen discover items (each a tuple of canonical_ids), focused on what this conversation has not read yet.";

    /// <summary>Tool description of search.</summary>
    public const string SearchDescription =
        "Answer a question from the sandbox's ingested content and this end user's conversation memory, leaving out what this conversation already received. " +
        "Inform every answer about the user's data with discover or search.";

    /// <summary>Tool description of get_origin.</summary>
    public const string GetOriginDescription =
        "List the source files behind canonical ids (from discover items), with how many indexed pieces came from each. Not window-aware.";

    /// <summary>The four tools, bound to <paramref name="retrieval"/>.</summary>
    public static IReadOnlyList<AIFunction> Create(RetrievalService retrieval) =>
    [
        new RetrievalTool("discover", DiscoverDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"What to look for."}},"required":["query"],"additionalProperties":false}""",
            async (args, scope, ct) =>
            {
                return Project(await retrieval.DiscoverAsync(scope, Text(args, "query"), null, ct));
            }),
        new RetrievalTool("interpret", InterpretDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"What to know about the items."},"items":{"type":"array","description":"Tuples of canonical_ids, one per discover item.","items":{"type":"array","items":{"type":"string"}},"minItems":1}},"required":["query","items"],"additionalProperties":false}""",
            async (args, scope, ct) =>
            {
                var brief = await retrieval.InterpretAsync(scope, Text(args, "query"), Tuples(args), null, null, ct);
                return new JsonObject { ["brief"] = brief.Brief };
            }),
        new RetrievalTool("search", SearchDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"The question."}},"required":["query"],"additionalProperties":false}""",
            async (args, scope, ct) =>
            {
                var answer = await retrieval.SearchAsync(scope, Text(args, "query"), null, null, null, null, ct);
                return new JsonObject { ["answer"] = answer.Answer };
            }),
        new RetrievalTool("get_origin", GetOriginDescription,
            """{"type":"object","properties":{"canonical_ids":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":100},"limit_per_canonical":{"type":"integer","minimum":1,"maximum":50}},"required":["canonical_ids"],"additionalProperties":false}""",
            async (args, scope, ct) =>
            {
                var origins = await retrieval.OriginsAsync(scope with { WindowId = null, RunId = null }, Strings(args, "canonical_ids"), Integer(args, "limit_per_canonical"), ct);
                return JsonSerializer.SerializeToNode(origins, ProtocolJson.Wire.OriginsResponse)!;
            }),
    ];

    /// <summary>What a model (or an MCP client) receives of a discover answer (copass-compat §6.7).</summary>
    public static JsonObject Project(DiscoverResponse found)
    {
        ArgumentNullException.ThrowIfNull(found);
        return new JsonObject
        {
            ["header"] = found.Header,
            ["items"] = new JsonArray([.. found.Items.Select(i => (JsonNode)new JsonObject
            {
                ["score"] = i.Score,
                ["summary"] = i.Summary,
                ["canonical_ids"] = new JsonArray([.. i.CanonicalIds.Select(c => (JsonNode)JsonValue.Create(c))]),
                ["subgraph"] = null,
                ["matched_query_nodes"] = null,
                ["file_paths"] = new JsonArray([.. i.FilePaths.Select(f => (JsonNode)JsonValue.Create(f))]),
            })]),
            ["next_steps"] = found.NextSteps,
        };
    }

    private static string? Text(AIFunctionArguments args, string name) => args.TryGetValue(name, out var value) ? value switch
    {
        JsonElement { ValueKind: JsonValueKind.String } json => json.GetString(),
        string text => text,
        _ => value?.ToString(),
    } : null;

    private static List<string>? Strings(AIFunctionArguments args, string name) =>
        args.TryGetValue(name, out var value) ? AsNode(value)?.AsArray().Select(n => n?.ToString() ?? "").ToList() : null;

    private static int? Integer(AIFunctionArguments args, string name) =>
        args.TryGetValue(name, out var value) && AsNode(value) is JsonValue number && number.TryGetValue<int>(out var result) ? result : null;

    private static List<IReadOnlyList<string>>? Tuples(AIFunctionArguments args) =>
        args.TryGetValue("items", out var value) && AsNode(value) is JsonArray array
            ? [.. array.Select(t => (IReadOnlyList<string>)(t is JsonArray tuple ? [.. tuple.Select(n => n?.ToString() ?? "")] : [t?.ToString() ?? ""]))]
            : null;

    private static JsonNode? AsNode(object? value) => value switch
    {
        null => null,
        JsonElement json => JsonNode.Parse(json.GetRawText()),
        JsonNode node => node,
        _ => JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions),
    };

    private sealed class RetrievalTool(string name, string description, string schema, Func<AIFunctionArguments, RetrievalScope, CancellationToken, Task<JsonNode>> run)
        : AIFunction
    {
        private readonly JsonElement _schema = JsonDocument.Parse(schema).RootElement.Clone();

        public override string Name => name;

        public override string Description => description;

        public override JsonElement JsonSchema => _schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var context = arguments.Context?.TryGetValue(typeof(ToolRunContext), out var value) == true ? value as ToolRunContext : null;
            if (context is null)
            {
                throw new InvalidOperationException($"{name} runs only inside a run (it needs the run's sandbox and window).");
            }

            var scope = new RetrievalScope(context.SandboxId, null, context.EndUserId, context.WindowId, context.RunId);
            var result = await run(arguments, scope, cancellationToken);
            return JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions);
        }
    }
}
