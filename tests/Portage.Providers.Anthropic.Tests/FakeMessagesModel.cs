using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Portage.Testing.Fakes;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>
/// A model of the Messages API that answers any request (set as <see cref="FakeProviderServer.Responder"/>), with the
/// two behaviours long conversations depend on:
/// <list type="bullet">
/// <item>Thinking signatures belong to a model. Each answer starts with a thinking block whose signature encodes the
/// model that wrote it; a request replaying a thinking block signed for another model (or not signed by this fake) is
/// refused with 400 <c>invalid_request_error</c> "Invalid `signature` in `thinking` block", as Anthropic does.</item>
/// <item>A prompt cache. The request is read as Anthropic caches it, tools → system → messages, block by block; at
/// each block with <c>cache_control</c> the prefix up to it (hashed without the marks, with the model) is remembered.
/// A later request whose prefix up to a block (at or before its last breakpoint) was remembered reads it:
/// <c>cache_read_input_tokens</c>; the rest up to its last breakpoint is <c>cache_creation_input_tokens</c>; the
/// remainder is <c>input_tokens</c>. More than four breakpoints is a 400, as on the API.</item>
/// </list>
/// The answer says what the model read: "{model} read N messages; the first one said: …", so tests can see that a
/// turn knows an earlier one. A token is four characters of canonical JSON.
/// </summary>
internal sealed class FakeMessagesModel
{
    private readonly Dictionary<string, long> _cache = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _answers;

    /// <summary>The answer to one request.</summary>
    public FakeResponse Answer(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonNode.Parse(request.Body)!.AsObject();
        var model = body["model"]!.GetValue<string>();
        var messages = body["messages"]!.AsArray();
        if (ForeignSignature(messages, model) is { } refusal)
        {
            return AnthropicFake.Error(400, "invalid_request_error", refusal);
        }

        var blocks = Blocks(body).ToList();
        var breakpoints = blocks.Count(b => b.Breakpoint);
        if (breakpoints > 4)
        {
            return AnthropicFake.Error(400, "invalid_request_error", $"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}.");
        }

        var (input, read, creation) = Usage(model, blocks);
        var thinking = $"The user asked: {LastText(messages)}";
        var text = $"{model} read {messages.Count} messages; the first one said: {FirstText(messages)}";
        var output = Tokens(thinking) + Tokens(text);
        var usage = new JsonObject
        {
            ["input_tokens"] = input,
            ["cache_creation_input_tokens"] = creation,
            ["cache_read_input_tokens"] = read,
            ["output_tokens"] = 1,
        };
        var id = $"msg_fake{Interlocked.Increment(ref _answers)}";
        List<string> events =
        [
            Event("message_start", new() { ["type"] = "message_start", ["message"] = new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(), ["model"] = model,
                ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = usage.DeepClone(),
            } }),
            Event("content_block_start", new() { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" } }),
            Event("content_block_delta", new() { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "thinking_delta", ["thinking"] = thinking } }),
            Event("content_block_delta", new() { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "signature_delta", ["signature"] = Sign(model, thinking) } }),
            Event("content_block_stop", new() { ["type"] = "content_block_stop", ["index"] = 0 }),
            Event("content_block_start", new() { ["type"] = "content_block_start", ["index"] = 1, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } }),
            Event("content_block_delta", new() { ["type"] = "content_block_delta", ["index"] = 1, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = text } }),
            Event("content_block_stop", new() { ["type"] = "content_block_stop", ["index"] = 1 }),
        ];
        usage["output_tokens"] = output;
        events.Add(Event("message_delta", new() { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null }, ["usage"] = usage }));
        events.Add(Event("message_stop", new() { ["type"] = "message_stop" }));
        return new FakeResponse(200, "text/event-stream; charset=utf-8", events);
    }

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

    private static string FirstText(JsonArray messages) => Texts(messages).FirstOrDefault() ?? "";

    private static string LastText(JsonArray messages) => Texts(messages).LastOrDefault() ?? "";

    private static IEnumerable<string> Texts(JsonArray messages) =>
        messages.SelectMany(m => Items(m!["content"])).Where(b => b["type"]?.GetValue<string>() == "text").Select(b => b["text"]!.GetValue<string>());

    private static long Tokens(string text) => Math.Max(1, text.Length / 4);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Event(string name, JsonObject data) => $"event: {name}\ndata: {data.ToJsonString()}\n\n";

    private sealed record Block(string Canonical, long Tokens, bool Breakpoint)
    {
        public static Block Of(string place, JsonNode block)
        {
            var canonical = place + ":" + JsonAssert.Sorted(block, leaving: "cache_control")!.ToJsonString();
            return new Block(canonical, FakeMessagesModel.Tokens(canonical), block is JsonObject o && o.ContainsKey("cache_control"));
        }
    }
}
