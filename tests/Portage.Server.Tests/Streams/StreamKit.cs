using System.Net.Http.Headers;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>Reading runs frame by frame: up to a point, and again through the run's events endpoint.</summary>
internal static class StreamKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static string EventsPath(this PortageApp app, string runId) => $"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs/{runId}/events";

    public static string CancelPath(this PortageApp app, string runId) => $"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs/{runId}/cancel";

    /// <summary>Starts a run and reads frames until <paramref name="count"/> non-comment frames arrived; the response stays open.</summary>
    public static async Task<(HttpResponseMessage Response, IAsyncEnumerator<SseFrame> Reader, List<SseFrame> Frames)> StartAndReadAsync(
        HttpClient client, string path, object body, int count)
    {
        var response = await SseFrames.StartRunAsync(client, path, body);
        response.EnsureSuccessStatusCode();
        var reader = Frames(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        var frames = new List<SseFrame>();
        while (frames.Count < count && await reader.MoveNextAsync().AsTask().WaitAsync(Patience))
        {
            frames.Add(reader.Current);
        }

        return (response, reader, frames);
    }

    /// <summary>Reads what is left of a stream.</summary>
    public static async Task<List<SseFrame>> RestAsync(IAsyncEnumerator<SseFrame> reader)
    {
        var frames = new List<SseFrame>();
        while (await reader.MoveNextAsync().AsTask().WaitAsync(Patience))
        {
            frames.Add(reader.Current);
        }

        return frames;
    }

    /// <summary>GET …/events (with Last-Event-ID when given) to the end of the stream.</summary>
    public static async Task<List<SseFrame>> ResumeAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var reader = Frames(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        return await RestAsync(reader);
    }

    public static Dictionary<string, object?> With(this Dictionary<string, object?> body, string key, object? value)
    {
        body[key] = value;
        return body;
    }

    private static async IAsyncEnumerable<SseFrame> Frames(Stream stream)
    {
        await foreach (var frame in SseFrames.ReadAsync(stream))
        {
            if (frame.Event != ":")
            {
                yield return frame;
            }
        }
    }
}
