using System.Text.Json.Nodes;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Tenancy;
using Portage.Core.Tools;
using Portage.Protocol.Retrieval;
using Portage.Protocol;

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

    /// <summary>The name of the discover tool, offered to a run only when its sandbox has shared content.</summary>
    public const string DiscoverName = "discover";

    /// <summary>
    /// The four tools, bound to <paramref name="retrieval"/>. A run's call finds its scope in a <see cref="RunScope"/>;
    /// an MCP call, which has a session instead of a run, in a <see cref="RetrievalToolScope"/>.
    /// </summary>
    public static IReadOnlyList<AIFunction> Create(RetrievalService retrieval) =>
    [
        new RetrievalTool(DiscoverName, DiscoverDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"What to look for."}},"required":["query"],"additionalProperties":false}""",
            async (args, call, ct) => Project(await retrieval.DiscoverAsync(call.Scope, args.Text("query"), call.History, ct))),
        new RetrievalTool("interpret", InterpretDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"What to know about the items."},"items":{"type":"array","description":"Tuples of canonical_ids, one per discover item.","items":{"type":"array","items":{"type":"string"}},"minItems":1}},"required":["query","items"],"additionalProperties":false}""",
            async (args, call, ct) =>
            {
                var brief = await retrieval.InterpretAsync(call.Scope, args.Text("query"), args.Tuples("items"), call.History, null, ct);
                return new JsonObject { ["brief"] = brief.Brief };
            }),
        new RetrievalTool("search", SearchDescription,
            """{"type":"object","properties":{"query":{"type":"string","description":"The question."}},"required":["query"],"additionalProperties":false}""",
            async (args, call, ct) =>
            {
                var answer = await retrieval.SearchAsync(call.Scope, args.Text("query"), call.History, null, null, null, ct);
                return new JsonObject { ["answer"] = answer.Answer };
            }),
        new RetrievalTool("get_origin", GetOriginDescription,
            """{"type":"object","properties":{"canonical_ids":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":100},"limit_per_canonical":{"type":"integer","minimum":1,"maximum":50}},"required":["canonical_ids"],"additionalProperties":false}""",
            async (args, call, ct) =>
            {
                // Not window-aware: the origins of ids are the same whatever the conversation has read.
                var scope = call.Scope with { ProjectId = null, WindowId = null, RunId = null };
                var origins = await retrieval.OriginsAsync(scope, args.Strings("canonical_ids"), args.WholeNumber("limit_per_canonical"), ct);
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

    private sealed class RetrievalTool(string name, string description, string schema, Func<ToolArguments, RetrievalToolScope, CancellationToken, Task<JsonNode>> run)
        : AIFunction
    {
        private readonly JsonElement _schema = JsonDocument.Parse(schema).RootElement.Clone();

        public override string Name => name;

        public override string Description => description;

        public override JsonElement JsonSchema => _schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var call = ScopeOf(arguments) ?? throw new InvalidOperationException(
                $"{name} runs only inside a run or an MCP session (it needs their sandbox and window).");
            var result = await run(new ToolArguments(arguments), call, cancellationToken);
            return JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions);
        }

        private static RetrievalToolScope? ScopeOf(AIFunctionArguments arguments)
        {
            if (arguments.Context is not { } context)
            {
                return null;
            }

            if (context.TryGetValue(typeof(RetrievalToolScope), out var given) && given is RetrievalToolScope scope)
            {
                return scope;
            }

            // A run's calls carry no history: the run's window is the conversation, and its ledger the exclusion set.
            return context.TryGetValue(typeof(RunScope), out var value) && value is RunScope run
                ? new RetrievalToolScope(RetrievalScope.Of(run), null)
                : null;
        }
    }
}

/// <summary>What a retrieval tool call works on when it is not a run's: the scope, and the conversation so far as history.</summary>
/// <param name="Scope">Sandbox, project, end user and window of the call.</param>
/// <param name="History">The conversation's latest turns, or null for none.</param>
public sealed record RetrievalToolScope(RetrievalScope Scope, IReadOnlyList<HistoryMessage>? History);
