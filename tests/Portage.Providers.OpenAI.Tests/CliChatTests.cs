using System.Diagnostics;
using System.Text.Json;
using Portage.Core.Tenancy;
using Portage.Server;
using Portage.Testing.Fakes;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>
/// Acceptance: with only OPENAI_BASE_URL pointing at a local OpenAI-compatible server, <c>portage chat --provider openai</c>
/// works. The real router listens on loopback and the real <c>portage</c> binary chats with it over scripted stdin.
/// </summary>
public sealed class CliChatTests
{
    [Fact]
    public async Task Portage_chat_on_openai_with_only_a_base_url_prints_the_models_answer()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        var folder = Path.Combine(Path.GetTempPath(), "portage-openai-cli", Guid.NewGuid().ToString("n"));
        try
        {
            await using var router = PortageServer.Build(
            [
                "--urls=http://127.0.0.1:0",
                $"--Portage:DataFolder={folder}",
                "--Logging:LogLevel:Default=Warning",
                $"--OPENAI_BASE_URL={fake.BaseUrl}/v1",
                "--OPENAI_API_KEY=", // a developer's real key must not reach this test
                "--Providers:OpenAI:ApiKey=",
            ]);
            await router.StartAsync();
            var credentials = LocalCredentials.TryRead(folder) ?? throw new InvalidOperationException("the router wrote no credentials");

            var (exit, stdout, stderr) = await RunPortageAsync("hello\n", folder,
                "chat", "--provider", "openai", "--url", router.Urls.First(), "--api-key", credentials.ApiKey, "--sandbox", credentials.SandboxId);

            Assert.True(exit == 0, $"portage chat exited {exit}: {stderr}");
            Assert.Contains("Hello! How can I assist you today?", stdout, StringComparison.Ordinal);
            var request = Assert.Single(fake.Requests);
            Assert.Equal("Bearer portage-no-key", request.Headers["Authorization"]);
            Assert.Equal("hello", JsonDocument.Parse(request.Body).RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString());
            await router.StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
            }
        }
    }

    // The portage binary is copied next to this test assembly by the project reference; it runs on the same dotnet host.
    private static async Task<(int Exit, string Stdout, string Stderr)> RunPortageAsync(string stdin, string dataFolder, params string[] args)
    {
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "portage.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "PORTAGE_URL", "PORTAGE_API_KEY", "PORTAGE_SANDBOX_ID" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["PORTAGE_DATA"] = dataFolder;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("portage did not start");
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
