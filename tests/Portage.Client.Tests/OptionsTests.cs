using Portage.Client.Tests.Fakes;

namespace Portage.Client.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Default_api_url_is_the_local_server()
    {
        using var router = new AgentRouter(new AgentRouterOptions { ApiKey = "k" });

        Assert.Equal("http://127.0.0.1:5757", router.ApiUrl);
    }

    [Fact]
    public void Trailing_slash_is_stripped()
    {
        using var router = new AgentRouter(new AgentRouterOptions { ApiUrl = "http://host:1/base/" });

        Assert.Equal("http://host:1/base", router.ApiUrl);
    }

    [Fact]
    public async Task Injected_client_base_address_is_used_when_no_url_is_set()
    {
        var handler = FakeHandler.Json("{\"sources\":[],\"count\":0}");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/") };
        using var router = new AgentRouter(new AgentRouterOptions { HttpClient = http });

        await router.Client.DataSources.ListAsync("sb_1");

        Assert.Equal("http://localhost/api/v1/storage/sandboxes/sb_1/sources", handler.Requests[0].Uri.ToString());
        Assert.Null(handler.Requests[0].Authorization);
    }

    [Fact]
    public async Task Disposing_the_router_leaves_an_injected_client_usable()
    {
        var handler = FakeHandler.Json("{\"sources\":[],\"count\":0}");
        using var http = new HttpClient(handler);
        new AgentRouter(new AgentRouterOptions { HttpClient = http, ApiUrl = TestRouter.ApiUrl }).Dispose();

        using var response = await http.GetAsync(new Uri(TestRouter.ApiUrl + "/x"));

        Assert.True(response.IsSuccessStatusCode);
    }

    [Fact]
    public void Relative_api_url_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new AgentRouter(new AgentRouterOptions { ApiUrl = "/relative/path" }));
    }
}
