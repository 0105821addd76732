using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Portage.Testing;

/// <summary>One raw SSE frame as it came over the wire.</summary>
public sealed record SseFrame(string? Id, string Event, string Data)
{
    /// <summary>The data parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>Reads run streams frame by frame, strictly (the server's own format), for wire-level assertions.</summary>
public static class SseFrames
{
    /// <summary>POSTs a run and returns the response with headers read, body still streaming.</summary>
    public static async Task<HttpResponseMessage> StartRunAsync(HttpClient client, string path, object body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Reads frames (comments included as event ":") until the stream ends.</summary>
    public static async IAsyncEnumerable<SseFrame> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
        string? id = null, name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0)
                {
                    yield return new SseFrame(id, name ?? "message", data.ToString());
                }

                id = name = null;
                data.Clear();
                continue;
            }

            if (line.StartsWith(':'))
            {
                yield return new SseFrame(null, ":", line[1..].Trim());
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
                default: break;
            }
        }
    }

    /// <summary>Runs to the end and returns all frames except comments.</summary>
    public static async Task<List<SseFrame>> RunAsync(HttpClient client, string path, object body, CancellationToken cancellationToken = default)
    {
        using var response = await StartRunAsync(client, path, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"run failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var frames = new List<SseFrame>();
        await foreach (var frame in ReadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken))
        {
            if (frame.Event != ":")
            {
                frames.Add(frame);
            }
        }

        return frames;
    }

    /// <summary>Runs the bodies in order as one session: each after the first carries the session_id the previous one finished with.</summary>
    public static async Task<List<List<SseFrame>>> RunSessionAsync(HttpClient client, string path, IEnumerable<Dictionary<string, object?>> bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        var runs = new List<List<SseFrame>>();
        foreach (var body in bodies)
        {
            if (runs.Count > 0)
            {
                body["session_id"] = runs[^1].Terminal().Json.GetProperty("session_id").GetString();
            }

            runs.Add(await RunAsync(client, path, body));
        }

        return runs;
    }

    /// <summary>The concatenated text of the deltas.</summary>
    public static string Text(this IEnumerable<SseFrame> frames) =>
        string.Concat(frames.Where(f => f.Event == "agent_text_delta").Select(f => f.Json.GetProperty("text").GetString()));

    /// <summary>The terminal frame.</summary>
    public static SseFrame Terminal(this IEnumerable<SseFrame> frames) => frames.Last(f => f.Event is "agent_finish" or "agent_error");
}
