using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>Small helpers for the data source endpoints: exact JSON bodies in, status and JSON out.</summary>
internal static class SourceApi
{
    public static string SourcesPath(this PortageApp app, string? sandboxId = null) => $"/api/v1/storage/sandboxes/{sandboxId ?? app.SandboxId}/sources";

    public static string SourcePath(this PortageApp app, string id, string? action = null, string? sandboxId = null) =>
        $"{app.SourcesPath(sandboxId)}/{id}" + (action is null ? "" : $"/{action}");

    public static Task<(int Status, JsonElement Json)> PostJsonAsync(this PortageApp app, string path, string? json, HttpClient? client = null) =>
        SendAsync(client ?? app.Client, HttpMethod.Post, path, json);

    public static Task<(int Status, JsonElement Json)> PatchJsonAsync(this PortageApp app, string path, string json) =>
        SendAsync(app.Client, HttpMethod.Patch, path, json);

    public static Task<(int Status, JsonElement Json)> GetJsonAsync(this PortageApp app, string path) =>
        SendAsync(app.Client, HttpMethod.Get, path, null);

    public static Task<(int Status, JsonElement Json)> DeleteJsonAsync(this PortageApp app, string path) =>
        SendAsync(app.Client, HttpMethod.Delete, path, null);

    /// <summary>Registers a source and returns its JSON; fails the test unless the answer is 201.</summary>
    public static async Task<JsonElement> RegisterAsync(this PortageApp app, string json, string? sandboxId = null)
    {
        var (status, body) = await app.PostJsonAsync(app.SourcesPath(sandboxId), json);
        Assert.True(status == 201, $"register answered {status}: {body}");
        return body;
    }

    public static async Task<JsonElement> SourceAsync(this PortageApp app, string id) =>
        await app.Client.GetFromJsonAsync<JsonElement>(app.SourcePath(id));

    public static async Task<string[]> ListIdsAsync(this PortageApp app, string query = "")
    {
        var (status, body) = await app.GetJsonAsync(app.SourcesPath() + query);
        Assert.Equal(200, status);
        var ids = body.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("data_source_id").GetString()!).ToArray();
        Assert.Equal(ids.Length, body.GetProperty("count").GetInt32());
        return ids;
    }

    public static string Id(this JsonElement source) => source.GetProperty("data_source_id").GetString()!;

    public static string Str(this JsonElement json, string name) => json.GetProperty(name).GetString()!;

    public static (int, string) Error(this (int Status, JsonElement Json) answer) => (answer.Status, answer.Json.GetProperty("error").GetString()!);

    /// <summary>The status and error type of a refused run (<see cref="Runs.RunErrorAsync"/>).</summary>
    public static async Task<(int, string)> Status(this Task<(int Status, string Error, string Detail)> error)
    {
        var (status, type, _) = await error;
        return (status, type);
    }

    private static async Task<(int Status, JsonElement Json)> SendAsync(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
