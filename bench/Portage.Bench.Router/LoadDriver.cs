using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Bench.Router;

/// <summary>One stream as the client saw it: time to the first text delta and to the end of the body.</summary>
internal sealed record StreamSample(double FirstTokenMs, double TotalMs, int Deltas, string? Error);

/// <summary>A batch of streams at one concurrency.</summary>
internal sealed record BatchResult(int Streams, int Failed, Percentiles FirstTokenMs, Percentiles TotalMs, double DeltasPerSecond, double WallSeconds, string? FirstError);

/// <summary>Where the router listens and how to call it.</summary>
internal sealed record RouterEndpoint(string Url, string ApiKey, string SandboxId);

/// <summary>
/// Opens streams the way a client does (POST, then read the SSE body to its end), either straight to the fake
/// upstream or through the router's run endpoint, and runs batches of them at a fixed concurrency.
/// </summary>
internal sealed class LoadDriver(HttpClient http, string upstreamUrl, RouterEndpoint router)
{
    private const string Prompt = "Write fifty words about rivers.";

    private enum Frame
    {
        Other,
        TextDelta,
        Done,
        Error,
    }

    /// <summary>A stream read straight from the fake upstream, as the router's own HTTP client would.</summary>
    public Task<StreamSample> DirectAsync(Action? onFirstToken, CancellationToken ct) => DirectAsync(Prompt, onFirstToken, ct);

    /// <summary>A stream read straight from the fake upstream, asking <paramref name="prompt"/>.</summary>
    public Task<StreamSample> DirectAsync(string prompt, Action? onFirstToken, CancellationToken ct)
    {
        var body = $$"""{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"{{JsonEncodedText.Encode(prompt)}}"}]}""";
        return ReadAsync(upstreamUrl + "/chat/completions", body, null, item => item.Data switch
        {
            "[DONE]" => Frame.Done,
            var data when FakeUpstream.IsTextDelta(data) => Frame.TextDelta,
            var data when data.StartsWith("{\"error\"", StringComparison.Ordinal) => Frame.Error,
            _ => Frame.Other,
        }, onFirstToken, null, ct);
    }

    /// <summary>A run through the router on the <c>openai</c> provider (pointed at the fake), as the given end user.</summary>
    public Task<StreamSample> ThroughRouterAsync(string endUserId, string? windowId, Action? onFirstToken, CancellationToken ct) =>
        ThroughRouterAsync(endUserId, windowId, Prompt, onFirstToken, null, ct);

    /// <summary>
    /// One turn of a conversation through the router: the end user's active window and, with no session id, the
    /// window's latest openai session (rules 3d and 4). <paramref name="observe"/> sees every frame.
    /// </summary>
    public Task<StreamSample> TurnAsync(string endUserId, string message, Action<SseItem<string>> observe, CancellationToken ct) =>
        ThroughRouterAsync(endUserId, null, message, null, observe, ct);

    private Task<StreamSample> ThroughRouterAsync(
        string endUserId, string? windowId, string message, Action? onFirstToken, Action<SseItem<string>>? observe, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new AgentRunRequest
        {
            Provider = "openai",
            SystemPrompt = "You are a benchmark.",
            Messages = [new RunMessage { Role = "user", Content = message }],
            EndUserId = endUserId,
            ContextWindowId = windowId,
        }, ProtocolJson.Wire.AgentRunRequest);
        return ReadAsync($"{router.Url}/api/v1/storage/sandboxes/{router.SandboxId}/agents/run", body, router.ApiKey, item => item.EventType switch
        {
            "agent_text_delta" => Frame.TextDelta,
            "agent_finish" => Frame.Done,
            "agent_error" => Frame.Error,
            _ => Frame.Other,
        }, onFirstToken, observe, ct);
    }

    /// <summary>Runs <paramref name="count"/> streams with <paramref name="concurrency"/> of them in flight at any time.</summary>
    public static async Task<BatchResult> RunBatchAsync(int concurrency, int count, Func<int, Task<StreamSample>> stream)
    {
        var samples = new StreamSample[count];
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                samples[i] = await stream(i);
            }
        }));
        watch.Stop();
        var ok = samples.Where(s => s.Error is null).ToList();
        return new BatchResult(
            count,
            count - ok.Count,
            Percentiles.Of([.. ok.Select(s => s.FirstTokenMs)]),
            Percentiles.Of([.. ok.Select(s => s.TotalMs)]),
            Math.Round(ok.Sum(s => s.Deltas) / watch.Elapsed.TotalSeconds),
            Math.Round(watch.Elapsed.TotalSeconds, 3),
            samples.FirstOrDefault(s => s.Error is not null)?.Error);
    }

    private async Task<StreamSample> ReadAsync(
        string url, string body, string? apiKey, Func<SseItem<string>, Frame> classify, Action? onFirstToken, Action<SseItem<string>>? observe,
        CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        double firstToken = double.NaN;
        var deltas = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (apiKey is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                return new StreamSample(firstToken, Elapsed(started), 0, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            string? error = "the stream ended without a terminal frame";
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
            {
                observe?.Invoke(item);
                switch (classify(item))
                {
                    case Frame.TextDelta when deltas++ == 0:
                        firstToken = Elapsed(started);
                        onFirstToken?.Invoke();
                        break;
                    case Frame.Done:
                        error = null;
                        break;
                    case Frame.Error:
                        error = item.Data;
                        break;
                    default:
                        break;
                }
            }

            // Total time is to the end of the body: the router's stream ends after agent_finish, the fake's after [DONE].
            return new StreamSample(firstToken, Elapsed(started), deltas, deltas == 0 ? error ?? "no text delta" : error);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new StreamSample(firstToken, Elapsed(started), deltas, ex.Message);
        }
    }

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
