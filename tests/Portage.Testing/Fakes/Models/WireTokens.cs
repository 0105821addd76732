using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// How the fake models count a request: four characters a token over every string a model reads (texts, thinking,
/// tool names, arguments, results, schemas, the system prompt), leaving out the wire's own bookkeeping (ids, roles,
/// types, the model name, cache marks). Close to what a tokenizer charges for text, and independent of how the router
/// estimates, so a body the router thinks fits is checked by someone else's count.
/// </summary>
public static class WireTokens
{
    private static readonly HashSet<string> s_bookkeeping = new(StringComparer.Ordinal)
    {
        "model", "role", "type", "id", "tool_use_id", "tool_call_id", "cache_control", "stream", "stream_options",
        "finish_reason", "stop_reason", "tool_choice", "generationConfig", "max_tokens", "max_completion_tokens", "thinking_config",
    };

    /// <summary>The tokens the model reads in <paramref name="body"/>.</summary>
    public static int Count(JsonNode? body) => Count(body, key: null);

    /// <summary>The tokens of <paramref name="text"/>, four characters each, rounded up.</summary>
    public static int Of(string text) => (text.Length + 3) / 4;

    private static int Count(JsonNode? node, string? key) => node switch
    {
        _ when key is not null && s_bookkeeping.Contains(key) => 0,
        JsonObject o => o.Sum(p => Count(p.Value, p.Key)),
        JsonArray a => a.Sum(n => Count(n, null)),
        JsonValue v when v.TryGetValue<string>(out var s) => Of(s),
        _ => 0,
    };
}
