using System.Diagnostics;
using System.Text.Json;
using Portage.Server.Tests.CrossProvider;
using Portage.Server.Tests.Readme;
using Portage.Testing;
using Portage.Testing.Fakes.Models;
using Portage.Testing.Skipping;

namespace Portage.Server.Tests.OpenAICompatible;

/// <summary>
/// The official <c>openai</c> npm package, run by Node (tests/node/openai-client.mjs), against the router listening on
/// loopback: a three-turn Responses conversation by <c>previous_response_id</c> that switches from echo to mirror to
/// the OpenAI fake, streamed and whole, usage, a round of the router's weather tool, Chat Completions whole and
/// streamed, and refusals as the SDK raises them. Needs Node and <c>npm ci</c> in tests/node (<c>.ci/run</c> does it);
/// skipped without them unless <c>PORTAGE_TEST_REQUIRE</c> lists <c>node</c>.
/// </summary>
public sealed class NodeOpenAIClientTests
{
    private const string Prerequisite = "node";

    [Fact]
    public async Task The_official_openai_npm_package_holds_a_conversation_across_providers_and_reads_errors()
    {
        var folder = Path.Combine(ReadmeDocument.RepositoryRoot(), "tests", "node");
        if (!File.Exists(Path.Combine(folder, "node_modules", "openai", "package.json")) || FindNode() is not { } node)
        {
            throw Prerequisites.Missing(Prerequisite, "Node and the openai npm package (npm ci --prefix tests/node) are needed to run the official JS client");
        }

        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Responder = new OpenAIChatModel().Answer;
        using var app = fakes.App();
        var port = LoopbackPort.Free();
        app.UseKestrel(port);
        app.StartServer();

        var seen = await RunAsync(node, folder, $"http://127.0.0.1:{port}/v1", app.Credentials.ApiKey);

        var first = seen.GetProperty("first");
        Assert.Equal("Echo (model echo-1) received 0 prior turns. You said: \"What are my open GitHub issues?\". This is the start of our conversation.", first.GetProperty("text").GetString());
        Assert.Equal("completed", first.GetProperty("status").GetString());
        AssertUsage(first.GetProperty("usage"));

        var second = seen.GetProperty("second");
        Assert.StartsWith("Mirror (model mirror-1) received 2 prior turns. You said: \"Which ones are blocked?\"", second.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(second.GetProperty("text").GetString(), second.GetProperty("completedText").GetString());
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("previous").GetString());
        var events = second.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"], events[..5]);
        Assert.Equal("response.completed", events[^1]);
        AssertUsage(second.GetProperty("usage"));

        var third = seen.GetProperty("third");
        Assert.Equal("gpt-4o-mini read 5 messages; the first one said: What are my open GitHub issues?", third.GetProperty("text").GetString());
        Assert.Equal("openai/gpt-4o-mini", third.GetProperty("model").GetString());
        AssertUsage(third.GetProperty("usage"));
        var turns = await app.TurnsAsync(third.GetProperty("conversation").GetString()!, "u-node");
        Assert.Equal(["echo", "echo", "mirror", "mirror", "openai", "openai"], turns.EnumerateArray().Select(t => t.GetProperty("provider").GetString()));

        var tool = seen.GetProperty("tool");
        Assert.Equal(["mcp_call", "message"], tool.GetProperty("items").EnumerateArray().Select(i => i.GetString()));
        var call = tool.GetProperty("call");
        Assert.Equal(("portage", "get_weather"), (call.GetProperty("server_label").GetString(), call.GetProperty("name").GetString()));
        Assert.Contains("Paris", call.GetProperty("arguments").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"temperature_c\":18", call.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("gpt-4o-mini got the tool's answer:", tool.GetProperty("text").GetString(), StringComparison.Ordinal);

        var chat = seen.GetProperty("chat");
        Assert.StartsWith("Echo (model echo-1) received 0 prior turns.", chat.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(chat.GetProperty("text").GetString(), chat.GetProperty("streamed").GetString());
        Assert.True(chat.GetProperty("usage").GetProperty("total_tokens").GetInt64() > 0);
        Assert.True(chat.GetProperty("streamedUsage").GetProperty("total_tokens").GetInt64() > 0);

        var errors = seen.GetProperty("errors");
        AssertRefusal(errors.GetProperty("noUser"), 400, "invalid_end_user_id", "user");
        AssertRefusal(errors.GetProperty("unknownModel"), 404, "model_not_found", "model");
        AssertRefusal(errors.GetProperty("unknownPrevious"), 404, "previous_response_not_found", "previous_response_id");
        Assert.Contains("openai/gpt-4o-mini", seen.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }

    private static void AssertUsage(JsonElement usage)
    {
        Assert.True(usage.GetProperty("input_tokens").GetInt64() > 0);
        Assert.True(usage.GetProperty("output_tokens").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("input_tokens").GetInt64() + usage.GetProperty("output_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
    }

    private static void AssertRefusal(JsonElement refusal, int status, string code, string param)
    {
        Assert.Equal(status, refusal.GetProperty("status").GetInt32());
        Assert.Equal(code, refusal.GetProperty("code").GetString());
        Assert.Equal(param, refusal.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", refusal.GetProperty("type").GetString());
    }

    private static async Task<JsonElement> RunAsync(string node, string folder, string v1, string key)
    {
        var info = new ProcessStartInfo(node, "openai-client.mjs")
        {
            WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        info.Environment["PORTAGE_V1"] = v1;
        info.Environment["PORTAGE_KEY"] = key;
        using var process = new Process { StartInfo = info };
        var stderr = new ProcessOutput();
        process.ErrorDataReceived += (_, e) => stderr.Append(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}:\n{stderr}\n{stdout}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
}
