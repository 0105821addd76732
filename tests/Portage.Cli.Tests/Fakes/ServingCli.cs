using System.Net;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Cli.Tests.Fakes;

/// <summary><c>portage serve</c> running in process on a free loopback port and a given data folder, until disposed.</summary>
internal sealed class ServingCli : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<int> _serving;

    private ServingCli(string url, Task<int> serving, CancellationTokenSource stop)
    {
        Url = url;
        _serving = serving;
        _stop = stop;
    }

    public string Url { get; }

    /// <summary>Starts the router and waits until it answers /healthz and its data folder has <c>credentials.json</c> (when <paramref name="credentials"/>).</summary>
    public static async Task<ServingCli> StartAsync(string dataFolder, bool credentials = true)
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var cli = new TestCli();
        cli.Environment.Clear();
        var stop = new CancellationTokenSource();
        var serving = cli.RunAsync(stop.Token, "serve", "--url", url, $"--Portage:DataFolder={dataFolder}");
        var server = new ServingCli(url, serving, stop);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(serving.IsCompleted, $"the server stopped before it answered /healthz: {cli.Error}");
            Assert.True(DateTime.UtcNow < deadline, "the server did not answer /healthz within 60 s");
            try
            {
                using var response = await http.GetAsync(new Uri(url + "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK && (!credentials || LocalCredentials.TryRead(dataFolder) is not null))
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Assert.Equal(0, await _serving.WaitAsync(TimeSpan.FromSeconds(30)));
        _stop.Dispose();
    }
}
