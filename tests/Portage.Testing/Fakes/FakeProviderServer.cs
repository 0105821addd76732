using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portage.Testing.Fakes;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, random port) that stands in for a provider: it answers requests with
/// the queued <see cref="FakeResponse"/>s in order, byte for byte, and records every request it received. Provider
/// tests point an SDK's base URL at <see cref="BaseUrl"/>, so the SDK's real HTTP and parsing code runs.
/// </summary>
public sealed class FakeProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeResponse> _responses = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeProviderServer(WebApplication app) => _app = app;

    /// <summary>The server's root, for example <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>
    /// Answers a request when nothing is queued, for fakes that compute their answer from the request (a model of the
    /// provider's behaviour rather than a script); null leaves such requests to the 599.
    /// </summary>
    public Func<RecordedRequest, FakeResponse>? Responder { get; set; }

    /// <summary>Completes when a client closed its connection while a <see cref="FakeResponse.HoldOpen"/> response was streaming.</summary>
    public Task ClientDisconnected => _disconnected.Task;

    /// <summary>Starts a server with nothing queued; an unexpected request gets a 599 that names itself.</summary>
    public static async Task<FakeProviderServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeProviderServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>Queues responses; each request takes the next one.</summary>
    public FakeProviderServer Enqueue(params FakeResponse[] responses)
    {
        foreach (var response in responses)
        {
            _responses.Enqueue(response);
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body);
        _requests.Enqueue(request);

        if (!_responses.TryDequeue(out var response) && Responder is { } responder)
        {
            response = responder(request);
        }

        if (response is null)
        {
            context.Response.StatusCode = 599;
            await context.Response.WriteAsync($"FakeProviderServer: no response queued for request #{_requests.Count} {context.Request.Method} {context.Request.Path}");
            return;
        }

        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        try
        {
            foreach (var chunk in response.Chunks)
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(chunk), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                if (response.ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(response.ChunkDelay, context.RequestAborted);
                }
            }

            if (response.HoldOpen)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _disconnected.TrySetResult();
        }
    }
}

/// <summary>One request as the fake server received it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// One scripted answer: status, headers and a body written as the given chunks (each flushed, so a stream arrives in
/// pieces). <see cref="HoldOpen"/> keeps the response open after the chunks until the client goes away.
/// </summary>
public sealed record FakeResponse(int Status, string ContentType, IReadOnlyList<string> Chunks)
{
    /// <summary>Extra response headers, for example <c>retry-after</c>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Pause after each chunk.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Keep the body open after the last chunk until the client disconnects.</summary>
    public bool HoldOpen { get; init; }

    /// <summary>A 200 <c>text/event-stream</c> whose body is the transcript, one chunk per SSE event (blank-line separated, LF or CRLF).</summary>
    public static FakeResponse Sse(string transcript, string contentType = "text/event-stream") =>
        new(200, contentType, Transcripts.SplitEvents(transcript));

    /// <summary>A JSON answer with the given status.</summary>
    public static FakeResponse Json(int status, string json, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, "application/json", [json]) { Headers = headers };
}
