using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portage.Bench.Router;

/// <summary>
/// An OpenAI Chat Completions server on loopback (Kestrel, random port) that answers every streaming request with the
/// same response: a role chunk, N text deltas (each flushed, with an optional pause), a finish chunk, a usage chunk and
/// <c>[DONE]</c> (provider-protocols.md §5). While <see cref="Hold"/> is on, each response stops after its first
/// delta until <see cref="Release"/>, so streams can be counted while open.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    // The marker of a text delta in this fake's chunks; the role chunk's empty content does not carry it.
    private const string TextDeltaMarker = "\"delta\":{\"content\":\"";

    private readonly WebApplication _app;
    private readonly byte[] _role, _finish, _usage, _done;
    private readonly byte[][] _deltas;
    private readonly TimeSpan _delay;
    private volatile TaskCompletionSource? _gate;

    private FakeUpstream(WebApplication app, int deltas, TimeSpan delay)
    {
        _app = app;
        _delay = delay;
        _role = Chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null", "null");
        _deltas = [.. Enumerable.Range(0, deltas).Select(i => Chunk($"{{\"content\":\"w{i} \"}}", "null", "null"))];
        _finish = Chunk("{}", "\"stop\"", "null");
        _usage = Encoding.UTF8.GetBytes(
            "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[]," +
            $"\"usage\":{{\"prompt_tokens\":20,\"completion_tokens\":{deltas},\"total_tokens\":{20 + deltas}}}}}\n\n");
        _done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");
    }

    /// <summary>The API root with <c>/v1</c>, as <c>OPENAI_BASE_URL</c> takes it.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Whether an SSE data line of this fake is a text delta.</summary>
    public static bool IsTextDelta(string data) => data.Contains(TextDeltaMarker, StringComparison.Ordinal);

    public static async Task<FakeUpstream> StartAsync(int deltas, TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeUpstream(app, deltas, delay);
        app.MapPost("/v1/chat/completions", fake.StreamAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First().TrimEnd('/') + "/v1";
        return fake;
    }

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

    private async Task StreamAsync(HttpContext context)
    {
        var ct = context.RequestAborted;

        // The request is read whole, as a real server would, but not parsed: every answer is the same.
        await context.Request.Body.CopyToAsync(Stream.Null, ct);
        context.Response.ContentType = "text/event-stream";
        var body = context.Response.Body;
        try
        {
            await WriteAsync(body, _role, ct);
            for (var i = 0; i < _deltas.Length; i++)
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

            await WriteAsync(body, _finish, ct);
            await WriteAsync(body, _usage, ct);
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

    private static byte[] Chunk(string delta, string finishReason, string usage) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finishReason}}}],\"usage\":{usage}}}\n\n"));
}
