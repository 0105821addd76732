using System.Net;
using Portage.Client.Tests.Fakes;

namespace Portage.Client.Tests;

/// <summary>The Copass retry policy of JSON calls (copass-compat §2.3), limited to idempotent GETs.</summary>
public sealed class RetryTests
{
    private const string Sources = "{\"sources\":[],\"count\":0}";

    [Fact]
    public async Task Get_is_retried_on_5xx_until_it_succeeds()
    {
        var handler = new FakeHandler
        {
            Respond = (_, n) => n < 3
                ? FakeHandler.JsonResponse("{\"error\":\"unavailable\",\"detail\":\"x\"}", HttpStatusCode.ServiceUnavailable)
                : FakeHandler.JsonResponse(Sources),
        };
        using var router = TestRouter.Create(handler);

        var list = await router.Client.DataSources.ListAsync("sb_test");

        Assert.Equal(0, list.Count);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task Get_gives_up_after_max_attempts_with_the_last_error()
    {
        var handler = FakeHandler.Json("{\"error\":\"internal\",\"detail\":\"broken\"}", HttpStatusCode.InternalServerError);
        using var router = TestRouter.Create(handler);

        var ex = await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.DataSources.ListAsync("sb_test"));

        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task Get_is_retried_on_network_errors()
    {
        var handler = new FakeHandler
        {
            Respond = (_, n) => n == 1 ? throw new HttpRequestException("connection reset") : FakeHandler.JsonResponse(Sources),
        };
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.ListAsync("sb_test");

        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Get_is_not_retried_on_4xx()
    {
        var handler = FakeHandler.Json("{\"error\":\"unauthorized\",\"detail\":\"bad key\"}", HttpStatusCode.Unauthorized);
        using var router = TestRouter.Create(handler);

        await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.DataSources.ListAsync("sb_test"));

        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Post_is_not_retried_on_5xx()
    {
        var handler = FakeHandler.Json("{\"error\":\"internal\",\"detail\":\"x\"}", HttpStatusCode.InternalServerError);
        using var router = TestRouter.Create(handler);

        await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.DataSources.ArchiveAsync("sb_test", "ds_w"));

        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Max_attempts_of_one_disables_retries()
    {
        var handler = FakeHandler.Json("{\"error\":\"internal\",\"detail\":\"x\"}", HttpStatusCode.InternalServerError);
        using var router = new AgentRouter(new AgentRouterOptions
        {
            ApiUrl = TestRouter.ApiUrl,
            HttpClient = new HttpClient(handler),
            MaxAttempts = 1,
        });

        await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.DataSources.ListAsync("sb_test"));

        Assert.Single(handler.Requests);
    }
}
