using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// A model of the Messages API that answers any request (set as <see cref="FakeProviderServer.Responder"/>), streamed
/// or not, with the behaviours long conversations depend on:
/// <list type="bullet">
/// <item>Thinking signatures belong to a model. Each answer starts with a thinking block whose signature encodes the
/// model that wrote it; a request replaying a thinking block signed for another model (or not signed by this fake) is
/// refused with 400 <c>invalid_request_error</c> "Invalid `signature` in `thinking` block", as Anthropic does.</item>
/// <item>A context window (<see cref="FakeModelApi.Limits"/>): a request whose input and <c>max_tokens</c> together exceed it is
/// refused with 400 "input length and `max_tokens` exceed context limit", as Anthropic does.</item>
/// <item>A prompt cache. The request is read as Anthropic caches it, tools → system → messages, block by block; at
/// each block with <c>cache_control</c> the prefix up to it (hashed without the marks, with the model) is remembered.
/// A later request whose prefix up to a block (at or before its last breakpoint) was remembered reads it:
/// <c>cache_read_input_tokens</c>; the rest up to its last breakpoint is <c>cache_creation_input_tokens</c>; the
/// remainder is <c>input_tokens</c>. More than four breakpoints is a 400, as on the API.</item>
/// </list>
/// What it answers is <see cref="FakeTurn"/>'s: a <c>get_weather</c> call when asked about the weather with the tool on
/// offer, else "{model} read N messages; the first one said: …". A token is four characters of canonical JSON.
/// </summary>
public sealed class FakeMessagesModel : FakeModelApi
{
    private readonly Dictionary<string, long> _cache = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _answers;

    /// <inheritdoc/>
    protected override FakeResponse Answer(JsonObject body, string path)
    {
        var model = body["model"]!.GetValue<string>();
        var messages = body["messages"]!.AsArray();
        var maxTokens = body["max_tokens"]?.GetValue<int>();
        if (ForeignSignature(messages, model) is { } foreign)
        {
            return Error(Limits.Refuse(foreign));
        }

        var read = WireTokens.Count(body);
        if (!Limits.Fits(model, read, maxTokens, countOutput: true))
        {
            return Error(Limits.Refuse($"input length and `max_tokens` exceed context limit: {read} + {maxTokens} > {Limits.Of(model)}, decrease input length or `max_tokens` and try again"));
        }

        var blocks = Blocks(body).ToList();
        var breakpoints = blocks.Count(b => b.Breakpoint);
        if (breakpoints > 4)
        {
            return Error($"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}.");
        }

        var (input, cacheRead, creation) = Usage(model, blocks);
        var said = Said(messages);
        var answer = FakeTurn.Answer(model, said, HasWeatherTool(body), maxTokens);
        var thinking = $"The user asked: {Cut(said.LastOrDefault()?.Text ?? "")}";
        var id = $"msg_fake{Interlocked.Increment(ref _answers)}";
        var usage = new JsonObject
        {
            ["input_tokens"] = input,
            ["cache_creation_input_tokens"] = creation,
            ["cache_read_input_tokens"] = cacheRead,
            ["output_tokens"] = WireTokens.Of(thinking) + answer.OutputTokens,
        };
        var content = new JsonArray(
            new JsonObject { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = Sign(model, thinking) },
            answer.ToolLocation is { } location
                ? new JsonObject { ["type"] = "tool_use", ["id"] = $"toolu_fake{_answers}", ["name"] = "get_weather", ["input"] = new JsonObject { ["location"] = location } }
                : new JsonObject { ["type"] = "text", ["text"] = answer.Text });
        var stop = answer.ToolLocation is null ? "end_turn" : "tool_use";
        return body["stream"]?.GetValue<bool>() == true
            ? AnthropicStream.Of(id, model, content, stop, usage)
            : FakeResponse.Json(200, new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = content,
                ["stop_reason"] = stop, ["stop_sequence"] = null, ["usage"] = usage,
            }.ToJsonString());
    }

    /// <summary>An error answer in the API's error shape.</summary>
    public static FakeResponse Error(string message, int status = 400, string type = "invalid_request_error") =>
        FakeResponse.Json(status, new JsonObject
        {
            ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message }, ["request_id"] = "req_011CSHoEeqs5C35K2UUqR7Fy",
        }.ToJsonString());

    /// <summary>The signature this fake gives a thinking text written by <paramref name="model"/>.</summary>
    public static string Sign(string model, string thinking) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"fake-signature|{model}|{Hash(thinking)[..16]}"));

    // Anthropic names the block by its path in the request.
    private static string? ForeignSignature(JsonArray messages, string model)
    {
        for (var m = 0; m < messages.Count; m++)
        {
            if (messages[m]!["content"] is not JsonArray content)
            {
                continue;
            }

            for (var b = 0; b < content.Count; b++)
            {
                if (content[b]!["type"]?.GetValue<string>() == "thinking"
                    && content[b]!["signature"]?.GetValue<string>() != Sign(model, content[b]!["thinking"]?.GetValue<string>() ?? ""))
                {
                    return $"messages.{m}.content.{b}: Invalid `signature` in `thinking` block";
                }
            }
        }

        return null;
    }

    private (long Input, long Read, long Creation) Usage(string model, List<Block> blocks)
    {
        var last = blocks.FindLastIndex(b => b.Breakpoint);
        var total = blocks.Sum(b => b.Tokens);
        if (last < 0)
        {
            return (total, 0, 0);
        }

        // The running hash and token count at the end of each block.
        var prefixes = new List<(string Key, long Tokens)>(blocks.Count);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(model));
        long tokens = 0;
        foreach (var block in blocks)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(block.Canonical));
            tokens += block.Tokens;
            prefixes.Add((Convert.ToHexString(hash.GetCurrentHash()), tokens));
        }

        lock (_lock)
        {
            var read = prefixes.Take(last + 1).Where(p => _cache.ContainsKey(p.Key)).Select(p => p.Tokens).DefaultIfEmpty(0).Max();
            for (var i = 0; i <= last; i++)
            {
                if (blocks[i].Breakpoint)
                {
                    _cache.TryAdd(prefixes[i].Key, prefixes[i].Tokens);
                }
            }

            var creation = prefixes[last].Tokens - read;
            return (total - read - creation, read, creation);
        }
    }

    // The request in Anthropic's cache order, each block canonical (members sorted, cache_control left out).
    private static IEnumerable<Block> Blocks(JsonObject body)
    {
        foreach (var tool in body["tools"] as JsonArray ?? [])
        {
            yield return Block.Of("tool", tool!);
        }

        foreach (var system in Items(body["system"]))
        {
            yield return Block.Of("system", system);
        }

        var index = 0;
        foreach (var message in body["messages"]!.AsArray())
        {
            var role = $"message {index++} {message!["role"]!.GetValue<string>()}";
            foreach (var block in Items(message["content"]))
            {
                yield return Block.Of(role, block);
            }
        }
    }

    // A string where blocks may stand is one text block.
    private static IEnumerable<JsonNode> Items(JsonNode? node) => node switch
    {
        JsonArray array => array.OfType<JsonNode>(),
        JsonValue value => [new JsonObject { ["type"] = "text", ["text"] = value.GetValue<string>() }],
        _ => [],
    };

    // Each message as the shared behaviour reads it: a user message of tool results is the tool speaking.
    private static List<FakeMessage> Said(JsonArray messages) =>
    [
        .. messages.Select(m =>
        {
            var blocks = Items(m!["content"]).ToList();
            var results = blocks.Where(b => b["type"]?.GetValue<string>() == "tool_result").ToList();
            return results.Count > 0
                ? new FakeMessage("tool", string.Concat(results.Select(r => r["content"]?.ToJsonString() ?? "")))
                : new FakeMessage(m["role"]!.GetValue<string>(), string.Concat(blocks.Where(b => b["type"]?.GetValue<string>() == "text").Select(b => b["text"]!.GetValue<string>())));
        }),
    ];

    private static bool HasWeatherTool(JsonObject body) =>
        body["tools"] is JsonArray tools && tools.Any(t => t?["name"]?.GetValue<string>() == "get_weather");

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300];

    private static long Tokens(string text) => Math.Max(1, text.Length / 4);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record Block(string Canonical, long Tokens, bool Breakpoint)
    {
        public static Block Of(string place, JsonNode block)
        {
            var canonical = place + ":" + JsonCanonical.Sorted(block, leaving: "cache_control")!.ToJsonString();
            return new Block(canonical, FakeMessagesModel.Tokens(canonical), block is JsonObject o && o.ContainsKey("cache_control"));
        }
    }
}
