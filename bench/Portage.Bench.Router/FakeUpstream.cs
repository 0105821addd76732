using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portage.Bench.Router;

/// <summary>What the fake upstream has received so far: streaming requests (a run's call) and non-streaming ones (a summariser's).</summary>
/// <param name="StreamRequests">Streaming requests received.</param>
/// <param name="StreamBytes">Body bytes of all streaming requests.</param>
/// <param name="CompletionRequests">Non-streaming requests received.</param>
/// <param name="CompletionBytes">Body bytes of all non-streaming requests.</param>
/// <param name="MaxCompletionBytes">Body size of the largest non-streaming request.</param>
internal sealed record UpstreamCounts(long StreamRequests, long StreamBytes, long CompletionRequests, long CompletionBytes, long MaxCompletionBytes);

/// <summary>
/// An OpenAI Chat Completions server on loopback (Kestrel, random port). A streaming request gets a role chunk, N text
/// deltas (each flushed, with an optional pause), a finish chunk, a usage chunk and <c>[DONE]</c> (provider-protocols.md
/// §5); a non-streaming one (the router's summariser) gets one <c>chat.completion</c> of about three quarters of its
/// <c>max_completion_tokens</c>. Answers stop at the request's max tokens. Every request is read whole and parsed, as a
/// real server would: its size is recorded and its <c>prompt_tokens</c> estimated at 4 characters a token (the
/// router's rule) from the message text and tool definitions. While <see cref="Hold"/> is on, each stream stops after
/// its first delta until <see cref="Release"/>, so streams can be counted while open.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    // The marker of a text delta in this fake's chunks; the role chunk's empty content does not carry it.
    private const string TextDeltaMarker = "\"delta\":{\"content\":\"";
    private const int UnboundedSummaryTokens = 256;

    private readonly WebApplication _app;
    private readonly byte[] _role, _done;
    private readonly byte[][] _deltas;
    private readonly int _tokensPerDelta;
    private readonly TimeSpan _delay;
    private volatile TaskCompletionSource? _gate;
    private long _streams, _streamBytes, _completions, _completionBytes, _maxCompletionBytes;

    private FakeUpstream(WebApplication app, int deltas, int deltaChars, TimeSpan delay)
    {
        _app = app;
        _delay = delay;
        _role = Chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null");
        _deltas = [.. Enumerable.Range(0, deltas).Select(i => Chunk($"{{\"content\":\"{DeltaText(i, deltaChars)}\"}}", "null"))];
        _tokensPerDelta = Math.Max(1, (DeltaText(0, deltaChars).Length + 3) / 4);
        _done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");
    }

    /// <summary>The API root with <c>/v1</c>, as <c>OPENAI_BASE_URL</c> takes it.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Whether an SSE data line of this fake is a text delta.</summary>
    public static bool IsTextDelta(string data) => data.Contains(TextDeltaMarker, StringComparison.Ordinal);

    /// <summary>Starts the fake: streamed answers of <paramref name="deltas"/> deltas of about <paramref name="deltaChars"/> characters each (at least "w{i} ").</summary>
    public static async Task<FakeUpstream> StartAsync(int deltas, int deltaChars, TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeUpstream(app, deltas, deltaChars, delay);
        app.MapPost("/v1/chat/completions", fake.AnswerAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First().TrimEnd('/') + "/v1";
        return fake;
    }

    /// <summary>What the fake has received so far.</summary>
    public UpstreamCounts Counts() => new(Interlocked.Read(ref _streams), Interlocked.Read(ref _streamBytes),
        Interlocked.Read(ref _completions), Interlocked.Read(ref _completionBytes), Interlocked.Read(ref _maxCompletionBytes));

    /// <summary>From now on, responses pause after their first delta.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held responses finish, and new ones run through.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        // A pooled buffer, not a growing MemoryStream: the fake shares the router's process and its figures.
        var (body, length) = await ReadBodyAsync(context.Request, ct);
        UpstreamRequest request;
        try
        {
            request = Parse(body.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }

        if (request.Stream)
        {
            Interlocked.Increment(ref _streams);
            Interlocked.Add(ref _streamBytes, length);
            await StreamAsync(context, request, ct);
            return;
        }

        Interlocked.Increment(ref _completions);
        Interlocked.Add(ref _completionBytes, length);
        for (var max = Interlocked.Read(ref _maxCompletionBytes); length > max; max = Interlocked.Read(ref _maxCompletionBytes))
        {
            Interlocked.CompareExchange(ref _maxCompletionBytes, length, max);
        }

        // A summary, as the summariser asks for it: at most about three quarters of its max tokens.
        var tokens = request.MaxTokens is { } limit ? Math.Max(1, limit * 3 / 4) : UnboundedSummaryTokens;
        var text = "Summary: " + Prose.Words((int)request.PromptTokens, (tokens * 4) - 9);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
            $"{{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"{text}\",\"refusal\":null}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],{Usage(request.PromptTokens, tokens)}}}"), ct);
    }

    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 0, 0, 1 << 24) + 1);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private async Task StreamAsync(HttpContext context, UpstreamRequest request, CancellationToken ct)
    {
        var deltas = request.MaxTokens is { } limit ? Math.Clamp(limit / _tokensPerDelta, 1, _deltas.Length) : _deltas.Length;
        context.Response.ContentType = "text/event-stream";
        var body = context.Response.Body;
        try
        {
            await WriteAsync(body, _role, ct);
            for (var i = 0; i < deltas; i++)
            {
                await WriteAsync(body, _deltas[i], ct);
                if (i == 0 && _gate is { } gate)
                {
                    await gate.Task.WaitAsync(ct);
                }

                if (_delay > TimeSpan.Zero)
                {
                    await Task.Delay(_delay, ct);
                }
            }

            await WriteAsync(body, Chunk("{}", deltas < _deltas.Length ? "\"length\"" : "\"stop\""), ct);
            await WriteAsync(body, Encoding.UTF8.GetBytes(
                $"data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[],{Usage(request.PromptTokens, deltas * _tokensPerDelta)}}}\n\n"), ct);
            await WriteAsync(body, _done, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
    }

    private static async Task WriteAsync(Stream body, byte[] chunk, CancellationToken ct)
    {
        await body.WriteAsync(chunk, ct);
        await body.FlushAsync(ct);
    }

    // The delta's text: "w{i} " and filler words up to `chars` (lower-case letters and spaces: nothing to escape in JSON).
    private static string DeltaText(int i, int chars)
    {
        var word = $"w{i} ";
        return word.Length >= chars ? word : word + Prose.Words(i, chars - word.Length);
    }

    private static string Usage(long prompt, long completion) => string.Create(CultureInfo.InvariantCulture,
        $"\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completion},\"total_tokens\":{prompt + completion}}}");

    private static byte[] Chunk(string delta, string finishReason) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finishReason}}}],\"usage\":null}}\n\n"));

    private readonly record struct UpstreamRequest(bool Stream, int? MaxTokens, long PromptTokens);

    // Read with Utf8JsonReader, allocating nothing: the fake shares the router's process, and a continuing turn's request
    // is tens of kilobytes that a JsonDocument and a string per message made the router's figures pay for (about a sixth of
    // what a turn at 50 allocated). The counts are as before: the text's characters (UTF-16, unescaped) of every message's
    // content, and the raw JSON characters of its tool calls and of the tool definitions.
    private static UpstreamRequest Parse(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        var chars = 0L;
        var stream = false;
        int? maxCompletionTokens = null, maxTokens = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("messages"u8) && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var member = reader.ValueSpan;
                        reader.Read();
                        chars += member.SequenceEqual("content"u8) ? TextLength(ref reader)
                            : member.SequenceEqual("tool_calls"u8) ? RawLength(ref reader, body.Span)
                            : Skip(ref reader);
                    }
                }
            }
            else if (name.SequenceEqual("tools"u8))
            {
                chars += RawLength(ref reader, body.Span);
            }
            else if (name.SequenceEqual("stream"u8))
            {
                stream = reader.TokenType == JsonTokenType.True;
            }
            else if (name.SequenceEqual("max_completion_tokens"u8) || name.SequenceEqual("max_tokens"u8))
            {
                int? value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var tokens) ? tokens : null;
                if (name.SequenceEqual("max_tokens"u8))
                {
                    maxTokens = value;
                }
                else
                {
                    maxCompletionTokens = value;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return new UpstreamRequest(stream, maxCompletionTokens ?? maxTokens, (chars + 3) / 4);
    }

    // A message's content is a string or an array of parts ({"type":"text","text":…}); the reader is left on its last token.
    private static long TextLength(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return StringLength(ref reader);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Skip(ref reader);
        }

        var length = 0L;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                length += isText ? TextLength(ref reader) : Skip(ref reader);
            }
        }

        return length;
    }

    private static long StringLength(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Encoding.UTF8.GetCharCount(reader.ValueSpan);
        }

        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            return reader.CopyString(buffer);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }
    }

    // The characters of the value's raw JSON, as JsonElement.GetRawText gave them.
    private static long RawLength(ref Utf8JsonReader reader, ReadOnlySpan<byte> body)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        return Encoding.UTF8.GetCharCount(body[start..end]);
    }

    private static long Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return 0;
    }
}
