using System.Net;
using System.Text;
using System.Text.Json;

namespace Portage.Cli.Tests.Fakes;

/// <summary>A hand-written HTTP handler standing in for a Portage server; records requests, answers with <see cref="Respond"/>.</summary>
internal sealed class FakeServer : HttpMessageHandler
{
    public Func<HttpRequestMessage, JsonElement?, HttpResponseMessage> Respond { get; set; } =
        (_, _) => Sse(Frames.Finish("sess_1", "ds_1"));

    public List<(HttpRequestMessage Request, JsonElement? Body, string? Authorization)> Requests { get; } = [];

    /// <summary>The JSON bodies of the run requests, in order.</summary>
    public List<JsonElement> Runs => Requests
        .Where(r => r.Request.RequestUri!.AbsolutePath.EndsWith("/agents/run", StringComparison.Ordinal))
        .Select(r => r.Body!.Value)
        .ToList();

    public static HttpResponseMessage Sse(params string[] frames)
    {
        var content = new StringContent(string.Concat(frames), Encoding.UTF8);
        content.Headers.ContentType = new("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        JsonElement? body = null;
        if (request.Content is not null)
        {
            var text = await request.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0)
            {
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
        }

        Requests.Add((request, body, request.Headers.Authorization?.ToString()));
        return Respond(request, body);
    }
}

/// <summary>SSE frames as a Portage server writes them.</summary>
internal static class Frames
{
    public static string Started(string runId, string windowId) =>
        $"event: run_started\ndata: {{\"run_id\":\"{runId}\",\"session_id\":null,\"context_window_id\":\"{windowId}\"}}\n\n";

    public static string Delta(string text) =>
        $"event: agent_text_delta\ndata: {{\"text\":{JsonSerializer.Serialize(text)}}}\n\n";

    public static string ToolCall(string name, string argumentsJson) =>
        $"event: agent_tool_call\ndata: {{\"call_id\":\"c1\",\"name\":\"{name}\",\"arguments\":{argumentsJson}}}\n\n";

    public static string ToolResult(string name, string resultJson) =>
        $"event: agent_tool_result\ndata: {{\"call_id\":\"c1\",\"name\":\"{name}\",\"result\":{resultJson},\"error\":null}}\n\n";

    public static string Finish(string sessionId, string windowId) =>
        $"event: agent_finish\ndata: {{\"stop_reason\":\"end_turn\",\"session_id\":\"{sessionId}\",\"usage\":{{}},\"context_window_id\":\"{windowId}\"}}\n\n";

    public static string Error(string type, string message) =>
        $"event: agent_error\ndata: {{\"message\":\"{message}\",\"type\":\"{type}\"}}\n\n";
}
