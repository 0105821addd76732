using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>A client that leaves a streamed completion cancels the provider call, as on the run endpoint (rule 11).</summary>
public sealed class ChatCompletionCancellationTests
{
    [Theory]
    [InlineData("u-gone")]
    [InlineData(null)]
    public async Task Leaving_a_stream_cancels_the_provider_call_and_a_users_turn_is_kept_cancelled(string? user)
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        using var client = app.Client;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "scripted", stream = true, user, messages = new[] { new { role = "user", content = "long" } } }),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var seen = new StringBuilder();
        var buffer = new byte[1024];
        while (!seen.ToString().Contains("partial", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            Assert.True(read > 0, "the stream ended before the first delta");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        response.Dispose();
        await gate.Cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        if (user is null)
        {
            await OpenAIKit.AssertNothingRecordedAsync(app);
            return;
        }

        var path = $"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement run;
        while ((run = (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("runs")[0]).GetProperty("status").GetString() == "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled run was not recorded");
            await Task.Delay(50);
        }

        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        var turns = await app.TurnsAsync(run.GetProperty("context_window_id").GetString()!, user);
        Assert.Equal(("partial", "cancelled"), (turns[1].GetProperty("text").GetString(), turns[1].GetProperty("status").GetString()));
    }
}
