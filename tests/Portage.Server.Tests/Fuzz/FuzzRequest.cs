using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portage.Server.Tests.Fuzz;

/// <summary>Whose end-user data a response may contain, besides the sandbox's shared content.</summary>
internal sealed record Scope(string? EndUserId, bool AllEndUsers)
{
    /// <summary>Management endpoints: the key sees every end user of its sandboxes (rule 2).</summary>
    public static Scope Tenant { get; } = new(null, true);

    /// <summary>Acting for one end user (runs, retrieval naming one, filters); none at all when null.</summary>
    public static Scope Of(string? endUserId) => new(endUserId, false);

    /// <summary>The <c>end_user_id</c> of a JSON body, or no end user when there is none (or the body is not JSON).</summary>
    public static Scope OfBody(byte[]? body)
    {
        try
        {
            using var json = JsonDocument.Parse(body ?? []);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("end_user_id", out var id) && id.ValueKind == JsonValueKind.String
                ? Of(id.GetString())
                : Of(null);
        }
        catch (JsonException)
        {
            return Of(null);
        }
    }
}

/// <summary>One generated request: what it is (for the report), how to send it, and whose data its answer may hold.</summary>
internal sealed class FuzzRequest
{
    public required string Endpoint { get; init; }

    public required HttpMethod Method { get; set; }

    public required string Path { get; init; }

    public byte[]? Body { get; set; }

    public string? ContentType { get; set; }

    public string? Authorization { get; set; }

    public Dictionary<string, string> Headers { get; } = [];

    public required Scope Scope { get; set; }

    /// <summary>What was done to the request, for failure reports.</summary>
    public List<string> Tricks { get; } = [];

    /// <summary>A response that may stay open (an MCP listening stream): read what comes at once, then let go.</summary>
    public bool MayStayOpen => Method == HttpMethod.Get && Path.StartsWith("/mcp", StringComparison.Ordinal);

    public override string ToString()
    {
        var path = Path.Length > 160 ? Path[..160] + $"…({Path.Length} chars)" : Path;
        var body = Body is null ? "" : $" body {Body.Length} B{(Body.Length <= 200 ? ": " + Encoding.UTF8.GetString(Body) : "")}";
        return $"{Method} {path}{body} [{string.Join(", ", Tricks)}]";
    }

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, new Uri(Path, UriKind.Relative));
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        if (Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }

        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}

/// <summary>What came back.</summary>
internal sealed record FuzzResponse(int Status, string? ContentType, string Body, MediaTypeHeaderValue? Media);
