namespace Portage.Client.Tests.Fakes;

internal static class TestRouter
{
    public const string ApiUrl = "http://portage.test";

    public static AgentRouter Create(FakeHandler handler, string? sandboxId = "sb_test") =>
        new(new AgentRouterOptions
        {
            ApiKey = "pk_test",
            SandboxId = sandboxId,
            ApiUrl = ApiUrl + "/",
            HttpClient = new HttpClient(handler),
            RetryBaseDelay = TimeSpan.Zero,
        });

    public static RunOptions Turn(string message = "hello") =>
        new() { Provider = "echo", EndUserId = "u-123", Message = message };

    public static async Task<List<Protocol.Runs.AgentEvent>> CollectAsync(
        IAsyncEnumerable<Protocol.Runs.AgentEvent> events, CancellationToken ct = default)
    {
        var list = new List<Protocol.Runs.AgentEvent>();
        await foreach (var e in events.WithCancellation(ct))
        {
            list.Add(e);
        }

        return list;
    }
}
