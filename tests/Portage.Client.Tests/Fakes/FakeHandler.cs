using System.Net;
using System.Text;

namespace Portage.Client.Tests.Fakes;

/// <summary>A hand-written HTTP handler: answers with <see cref="Respond"/> and records every request.</summary>
internal sealed class FakeHandler : HttpMessageHandler
{
    public Func<HttpRequestMessage, int, HttpResponseMessage> Respond { get; set; } =
        (_, _) => new HttpResponseMessage(HttpStatusCode.OK);

    public List<CapturedRequest> Requests { get; } = [];

    public static FakeHandler Sse(string body) => new() { Respond = (_, _) => SseResponse(body) };

    public static FakeHandler Sse(Stream body) => new() { Respond = (_, _) => SseResponse(body) };

    public static FakeHandler Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new() { Respond = (_, _) => JsonResponse(body, status) };

    public static HttpResponseMessage SseResponse(string body) =>
        SseResponse(new MemoryStream(Encoding.UTF8.GetBytes(body)));

    public static HttpResponseMessage SseResponse(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    public static HttpResponseMessage JsonResponse(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add(new CapturedRequest(request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(),
            request.Headers.Accept.ToString(), body, request.Content?.Headers.ContentType?.MediaType, request.Content?.Headers.ContentLength));
        return Respond(request, Requests.Count);
    }
}

internal sealed record CapturedRequest(
    HttpMethod Method, Uri Uri, string? Authorization, string Accept, string? Body, string? ContentType, long? ContentLength);
