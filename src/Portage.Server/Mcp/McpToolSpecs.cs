using System.Text.Json;
using Portage.Core.Retrieval;
using ModelContextProtocol.Protocol;

namespace Portage.Server.Mcp;

/// <summary>
/// The tools only <c>/mcp</c> has: <c>ingest</c> and the Context Window tools of <c>@copass/mcp</c> (§5.5); the retrieval
/// tools are <see cref="RetrievalTools"/>' own (copass-compat §6.7). Constant, like the run tool specs, so clients'
/// prompt caches keep hitting.
/// </summary>
internal static class McpToolSpecs
{
    public const string NoActiveWindow = "No active Context Window — call context_window_create or context_window_attach first.";

    private const string Participants = """{"type":"array","items":{"type":"string"},"description":"Who takes part in the conversation; sent with each turn."}""";

    private static readonly (string Name, string Description, string Schema)[] s_own =
    [
        ("ingest",
            "Store content in the sandbox so later discover / search calls can find it (Markdown, text, code, notes). Returns the ingest job; indexing finishes in the background within moments.",
            """{"type":"object","properties":{"content":{"type":"string","minLength":1,"description":"The content to store. A first line [File: path] names its source file."},"source_type":{"type":"string","description":"text (default), markdown, code, note, …"},"storage_only":{"type":"boolean","description":"Accepted for compatibility; content is indexed either way."},"occurred_at":{"type":"string","description":"When it happened, ISO-8601."}},"required":["content"],"additionalProperties":false}"""),
        ("context_window_create",
            "Create a Context Window (a conversation the sandbox remembers) and make it active: later turns are recorded in it, and retrieval leaves out what its turns already contain.",
            $$$"""{"type":"object","properties":{"project_id":{"type":"string"},"name":{"type":"string"},"participants":{{{Participants}}}},"additionalProperties":false}"""),
        ("context_window_add_turn",
            "Record one turn of the conversation in the active Context Window (or the one named by data_source_id).",
            $$$"""{"type":"object","properties":{"role":{"type":"string","enum":["user","assistant","system"]},"content":{"type":"string","minLength":1},"name":{"type":"string","description":"Speaker name; defaults to the role (User, Assistant, System)."},"participants":{{{Participants}}},"data_source_id":{"type":"string","description":"A window id; defaults to the active window."}},"required":["role","content"],"additionalProperties":false}"""),
        ("context_window_attach",
            "Resume an existing Context Window by its data_source_id and make it active. initial_turns are the turns this client already has (used as history, not recorded again).",
            $$$"""{"type":"object","properties":{"data_source_id":{"type":"string"},"initial_turns":{"type":"array","items":{"type":"object","properties":{"role":{"type":"string","enum":["user","assistant","system"]},"content":{"type":"string"},"name":{"type":"string"}},"required":["role","content"],"additionalProperties":false}},"participants":{{{Participants}}}},"required":["data_source_id"],"additionalProperties":false}"""),
        ("context_window_close",
            "Close a Context Window (the active one when data_source_id is omitted): it is disconnected, keeps its turns, and is no longer active.",
            """{"type":"object","properties":{"data_source_id":{"type":"string"}},"additionalProperties":false}"""),
    ];

    /// <summary>The tools of <c>/mcp</c> only (the retrieval tools come from <see cref="RetrievalTools"/>).</summary>
    public static IReadOnlyList<Tool> Own { get; } =
        [.. s_own.Select(t => new Tool { Name = t.Name, Description = t.Description, InputSchema = JsonDocument.Parse(t.Schema).RootElement.Clone() })];
}
