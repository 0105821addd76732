using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using Portage.Testing;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>The official OpenAI SDK pointed at the in-process router's <c>/v1</c>, and what a test reads back.</summary>
internal static class OpenAIKit
{
    /// <summary>An OpenAI client with the development key (or <paramref name="key"/>), sending <c>X-Portage-Sandbox-Id</c> when given.</summary>
    public static OpenAIClient Client(PortageApp app, string? key = null, string? sandboxId = null)
    {
        var http = app.CreateClient();
        if (sandboxId is not null)
        {
            http.DefaultRequestHeaders.Add("X-Portage-Sandbox-Id", sandboxId);
        }

        return new OpenAIClient(new ApiKeyCredential(key ?? app.Credentials.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(app.Server.BaseAddress, "v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
        });
    }

    /// <summary>The response body of a result, as JSON (for the <c>portage</c> extension the SDK does not model).</summary>
    public static JsonElement Raw(ClientResult result) => JsonDocument.Parse(result.GetRawResponse().Content.ToString()).RootElement;

    /// <summary>The <c>error</c> object of a refused call.</summary>
    public static JsonElement Error(ClientResultException exception) =>
        JsonDocument.Parse(exception.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");

    /// <summary>Every key of an OpenAI error object, in order: message, type, param, code.</summary>
    public static void AssertShape(JsonElement error, string code, string? param = null)
    {
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }
    }

    /// <summary>Nothing was recorded in the default sandbox: no run, no end user, no window.</summary>
    public static async Task AssertNothingRecordedAsync(PortageApp app, string? sandboxId = null)
    {
        var path = $"/api/v1/storage/sandboxes/{sandboxId ?? app.SandboxId}";
        using var client = app.Client;
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>(path + "/agents/runs")).GetProperty("runs").GetArrayLength());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>(path + "/end-users")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>(path + "/sources")).GetProperty("count").GetInt32());
    }
}
