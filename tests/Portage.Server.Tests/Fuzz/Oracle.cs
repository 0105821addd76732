using System.Text;
using System.Text.Json;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// Judges one answer: no 5xx (nor an error that says Portage broke), a <c>{"error","detail"}</c> body on every 4xx of the
/// API (JSON-RPC errors are the MCP endpoint's own shape), nothing behind a missing or wrong key, no body over the 1 MiB
/// limit accepted, and no marker the caller
/// may not see: nothing of the other tenant, nothing of another end user when the request acts for one, no API key.
/// </summary>
internal sealed class Oracle(FuzzWorld world)
{
    private const int MaxBody = 4 * 1024 * 1024;
    private const int BodyLimit = 1024 * 1024;
    private static readonly Uri s_origin = new("http://localhost");

    /// <summary>Answers in which the caller's own markers appeared (the checks had something to find).</summary>
    public int OwnMarkerSightings { get; private set; }

    public IEnumerable<string> Problems(FuzzRequest request, FuzzResponse response)
    {
        // Classified by the path the client really sent: it resolves dot segments first ("/api/v1/../.." is "/", the
        // console), as every HTTP client does.
        var sent = new Uri(s_origin, request.Path).AbsolutePath;
        var api = sent.StartsWith("/api/", StringComparison.Ordinal);
        var mcp = sent.StartsWith("/mcp", StringComparison.Ordinal);
        var caller = CallerOf(request.Authorization);
        if (response.Status >= 500)
        {
            yield return $"status {response.Status}";
        }

        if (request.Body is { Length: > BodyLimit } && response.Status is >= 200 and < 300)
        {
            yield return $"accepted a body of {request.Body.Length} bytes (over Server:MaxRequestBodyBytes)";
        }

        if (caller is null && (api || mcp) && response.Status is >= 200 and < 300)
        {
            yield return "answered without a valid key";
        }

        if (response.Status is >= 400 and < 500 && request.Method != HttpMethod.Head && ErrorShape(response) is { } shape && !(mcp && shape == "JSON-RPC error"))
        {
            if (api || shape != "not JSON")
            {
                yield return $"{response.Status} answered with {shape}";
            }
        }

        if (response.Status is >= 400 and < 500 && response.Body.Contains("\"invalid_json\"", StringComparison.Ordinal)
            && new[] { "System.", "Portage.", "`1" }.FirstOrDefault(m => response.Body.Contains(m, StringComparison.Ordinal)) is { } dotnet)
        {
            // A body's type error names the field in JSON terms; .NET type names mean nothing to a caller.
            yield return $"invalid_json names a .NET type ({dotnet})";
        }

        if (response.Body.Contains("bug in Portage", StringComparison.Ordinal) || response.Body.Contains("\"internal_error\"", StringComparison.Ordinal))
        {
            yield return "Portage reports an internal error";
        }

        foreach (var key in world.Tenants.Select(t => t.ApiKey).Where(k => response.Body.Contains(k, StringComparison.Ordinal)))
        {
            yield return "leaked an API key";
        }

        var (forbidden, allowed) = Markers(caller, request.Scope);
        foreach (var marker in forbidden.Where(m => response.Body.Contains(m, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"leaked {marker}";
        }

        if (allowed.Any(m => response.Body.Contains(m, StringComparison.OrdinalIgnoreCase)))
        {
            OwnMarkerSightings++;
        }
    }

    public static async Task<FuzzResponse> SendAsync(HttpClient client, FuzzRequest request)
    {
        using var message = request.ToMessage();
        using var limit = new CancellationTokenSource(request.MayStayOpen ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(60));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        }
        catch (OperationCanceledException) when (request.MayStayOpen)
        {
            return new FuzzResponse(200, null, "", null);
        }

        using (response)
        {
            var body = new MemoryStream();
            var stream = await response.Content.ReadAsStreamAsync(limit.Token);
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while (body.Length < MaxBody && (read = await stream.ReadAsync(buffer, limit.Token)) > 0)
                {
                    body.Write(buffer, 0, read);
                }
            }
            catch (OperationCanceledException) when (request.MayStayOpen)
            {
                // A listening stream: what came at once is the answer.
            }

            var media = response.Content.Headers.ContentType;
            return new FuzzResponse((int)response.StatusCode, media?.MediaType, Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length), media);
        }
    }

    // Whose key the header carries, read leniently ("Bearer" in any case, any whitespace around the key): the test
    // host's HttpClient normalizes some headers the server would refuse, and a caller is never less than that.
    private Tenant? CallerOf(string? authorization) =>
        authorization is { Length: > 6 } && authorization.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && char.IsWhiteSpace(authorization[6])
            ? world.Tenants.FirstOrDefault(t => authorization[6..].Trim() == t.ApiKey)
            : null;

    private (List<string> Forbidden, List<string> Allowed) Markers(Tenant? caller, Scope scope)
    {
        if (caller is null)
        {
            return ([.. world.Tenants.SelectMany(t => t.Markers)], []);
        }

        var ownUsers = caller.EndUsers.ToLookup(u => scope.AllEndUsers || u.Id == scope.EndUserId);
        return ([.. world.Other(caller).Markers, .. ownUsers[false].Select(u => u.Marker)], [caller.Marker, .. ownUsers[true].Select(u => u.Marker)]);
    }

    // Null when the body is the API's error shape; otherwise what it is instead.
    private static string? ErrorShape(FuzzResponse response)
    {
        if (response.ContentType is not { } type || !(type.EndsWith("/json", StringComparison.Ordinal) || type.EndsWith("+json", StringComparison.Ordinal)))
        {
            return response.ContentType == "text/event-stream" && response.Body.Contains("\"jsonrpc\"", StringComparison.Ordinal) ? "JSON-RPC error" : "not JSON";
        }

        try
        {
            using var json = JsonDocument.Parse(response.Body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("jsonrpc", out _) && root.TryGetProperty("error", out _))
            {
                return "JSON-RPC error";
            }

            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String && error.GetString()!.Length > 0
                && root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && detail.GetString()!.Length > 0
                ? null
                : "JSON without {error, detail}";
        }
        catch (JsonException)
        {
            return "invalid JSON";
        }
    }
}
