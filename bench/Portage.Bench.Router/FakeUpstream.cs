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
/// <param name="LastStreamBytes">Body size of the latest streaming request.</param>
/// <param name="CompletionRequests">Non-streaming requests received.</param>
/// <param name="CompletionBytes">Body bytes of all non-streaming requests.</param>
/// <param name="MaxCompletionBytes">Body size of the largest non-streaming request.</param>
/// <param name="StreamBytes">Body sizes of all streaming requests.</param>
internal sealed record UpstreamCounts(long StreamRequests, long LastStreamBytes, long CompletionRequests, long CompletionBytes, long MaxCompletionBytes, long StreamBytes = 0);

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
    private long _streams, _streamBytes, _lastStreamBytes, _completions, _completionBytes, _maxCompletionBytes;

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
    public UpstreamCounts Counts() => new(Interlocked.Read(ref _streams), Interlocked.Read(ref _lastStreamBytes),
        Interlocked.Read(ref _completions), Interlocked.Read(ref _completionBytes), Interlocked.Read(ref _maxCompletionBytes), Interlocked.Read(ref _streamBytes));

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
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, ct);
        var request = Parse(body.GetBuffer().AsMemory(0, (int)body.Length));
        if (request.Stream)
        {
            Interlocked.Increment(ref _streams);
            Interlocked.Exchange(ref _lastStreamBytes, body.Length);
            Interlocked.Add(ref _streamBytes, body.Length);
            await StreamAsync(context, request, ct);
            return;
        }

        Interlocked.Increment(ref _completions);
        Interlocked.Add(ref _completionBytes, body.Length);
        for (var max = Interlocked.Read(ref _maxCompletionBytes); body.Length > max; max = Interlocked.Read(ref _maxCompletionBytes))
        {
            Interlocked.CompareExchange(ref _maxCompletionBytes, body.Length, max);
        }

        // A summary, as the summariser asks for it: at most about three quarters of its max tokens.
        var tokens = request.MaxTokens is { } limit ? Math.Max(1, limit * 3 / 4) : UnboundedSummaryTokens;
        var text = "Summary: " + Prose.Words((int)request.PromptTokens, (tokens * 4) - 9);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
            $"{{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"{text}\",\"refusal\":null}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],{Usage(request.PromptTokens, tokens)}}}"), ct);
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

    private static UpstreamRequest Parse(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var chars = 0L;
        if (root.TryGetProperty("messages", out var messages))
        {
            foreach (var message in messages.EnumerateArray())
            {
                chars += message.TryGetProperty("content", out var content) ? TextLength(content) : 0;
                chars += message.TryGetProperty("tool_calls", out var calls) ? calls.GetRawText().Length : 0;
            }
        }

        chars += root.TryGetProperty("tools", out var tools) ? tools.GetRawText().Length : 0;
        return new UpstreamRequest(
            root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
            MaxTokens(root, "max_completion_tokens") ?? MaxTokens(root, "max_tokens"),
            (chars + 3) / 4);
    }

    // A message's content is a string or an array of parts ({"type":"text","text":…}).
    private static long TextLength(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!.Length,
        JsonValueKind.Array => content.EnumerateArray().Sum(part => part.TryGetProperty("text", out var text) ? TextLength(text) : 0L),
        _ => 0,
    };

    private static int? MaxTokens(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt32(out var tokens) ? tokens : null;
}
