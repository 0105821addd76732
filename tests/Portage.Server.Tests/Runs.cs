using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests;

/// <summary>Small helpers to write run requests and read their results in tests.</summary>
internal static class Runs
{
    public static Dictionary<string, object?> Body(
        string message,
        string endUser = "u-123",
        string provider = "echo",
        string? session = null,
        string? window = null,
        bool? newWindow = null,
        string? model = null) => new()
        {
            ["provider"] = provider,
            ["model"] = model,
            ["system_prompt"] = "You are a helpful agent.",
            ["messages"] = new[] { new { role = "user", content = message } },
            ["end_user_id"] = endUser,
            ["session_id"] = session,
            ["context_window_id"] = window,
            ["new_window"] = newWindow,
        };

    public static async Task<RunResult> RunAsync(this PortageApp app, Dictionary<string, object?> body, HttpClient? client = null)
    {
        var frames = await SseFrames.RunAsync(client ?? app.Client, app.RunPath(), body);
        return new RunResult(frames);
    }

    public static async Task<(int Status, string Error, string Detail)> RunErrorAsync(this PortageApp app, object body, HttpClient? client = null, string? path = null)
    {
        using var response = await (client ?? app.Client).PostAsJsonAsync(path ?? app.RunPath(), body);
        return await ErrorOf(response);
    }

    public static async Task<(int Status, string Error, string Detail)> ErrorOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return ((int)response.StatusCode, json.RootElement.GetProperty("error").GetString()!, json.RootElement.GetProperty("detail").GetString()!);
    }

    public static async Task<JsonElement> TurnsAsync(this PortageApp app, string windowId, string? endUser = null)
    {
        var path = $"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{windowId}/turns" + (endUser is null ? "" : $"?end_user_id={endUser}");
        return (await app.Client.GetFromJsonAsync<JsonElement>(path)).GetProperty("turns");
    }
}

/// <summary>The frames of one finished run.</summary>
internal sealed record RunResult(List<SseFrame> Frames)
{
    public string Text => Frames.Text();

    public SseFrame Terminal => Frames.Terminal();

    public bool Finished => Terminal.Event == "agent_finish";

    public string SessionId => Terminal.Json.GetProperty("session_id").GetString()!;

    public string WindowId => Frames[0].Json.GetProperty("context_window_id").GetString()!;

    public string RunId => Frames[0].Json.GetProperty("run_id").GetString()!;
}
