using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// Issue 17, finding 4: a model name is a bounded identifier, metric labels name only known models, and <c>/metrics</c>
/// answers only whom <c>Telemetry:MetricsAccess</c> lets in.
/// </summary>
public sealed class MetricsExposureTests
{
    [Theory]
    [InlineData("models/gemini-2.5-flash")]
    [InlineData("llama3.2:latest")]
    [InlineData("accounts/fireworks/models/llama-v3p1-70b-instruct")]
    [InlineData("anthropic.claude-3-5-sonnet-20240620-v1:0")]
    [InlineData("claude-opus-4@20250514")]
    [InlineData("ft:gpt-4o-mini-2024-07-18:my-org::9AbCdEf")]
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct+lora")]
    public async Task Real_model_ids_are_accepted(string model)
    {
        using var app = new PortageApp();

        var run = await app.RunAsync(Runs.Body("Hello", model: model));

        Assert.True(run.Finished, run.Terminal.Data);
        Assert.Equal(model, run.Terminal.Json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("two\nlines")]
    [InlineData("quote\"d")]
    [InlineData("<script>")]
    [InlineData("é-model")]
    public async Task A_model_name_outside_the_identifier_set_is_400_invalid_model(string model)
    {
        using var app = new PortageApp();

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("Hello", model: model));

        Assert.Equal((400, "invalid_model"), (status, error));
        Assert.Contains("1–128 characters", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_name_longer_than_128_characters_is_400_invalid_model()
    {
        using var app = new PortageApp();

        var (status, error, _) = await app.RunErrorAsync(Runs.Body("Hello", model: new string('m', 5000)));
        var fits = await app.RunAsync(Runs.Body("Hello", model: new string('m', 128)));

        Assert.Equal((400, "invalid_model"), (status, error));
        Assert.True(fits.Finished);
    }

    [Fact]
    public async Task By_default_metrics_answer_a_loopback_caller_and_refuse_another_machine()
    {
        using var app = new PortageApp();

        var local = await ScrapeAsync(app, IPAddress.Loopback);
        var remote = await ScrapeAsync(app, IPAddress.Parse("192.0.2.10"));
        var proxied = await ScrapeAsync(app, IPAddress.Loopback, forwardedFor: "192.0.2.10");

        Assert.Equal(StatusCodes.Status200OK, local.Response.StatusCode);
        Assert.Equal(StatusCodes.Status403Forbidden, remote.Response.StatusCode);
        var refusal = Body(remote);
        Assert.Contains("\"error\":\"metrics_forbidden\"", refusal, StringComparison.Ordinal);
        Assert.Contains("Telemetry:MetricsAccess", refusal, StringComparison.Ordinal);
        Assert.Equal(StatusCodes.Status403Forbidden, proxied.Response.StatusCode);
    }

    [Fact]
    public async Task With_MetricsAccess_key_a_scrape_needs_an_api_key()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsAccess"] = "key" });

        var anonymous = await ScrapeAsync(app, IPAddress.Loopback);
        var wrongKey = await ScrapeAsync(app, IPAddress.Parse("192.0.2.10"), bearer: "pk_not_a_key");
        var withKey = await ScrapeAsync(app, IPAddress.Parse("192.0.2.10"), bearer: app.Credentials.ApiKey);

        Assert.Equal(StatusCodes.Status401Unauthorized, anonymous.Response.StatusCode);
        Assert.Equal(StatusCodes.Status401Unauthorized, wrongKey.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, withKey.Response.StatusCode);
    }

    [Fact]
    public async Task With_MetricsAccess_open_anyone_may_scrape_and_Prometheus_false_removes_the_endpoint()
    {
        using var open = new PortageApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsAccess"] = "open" });
        using var off = new PortageApp(settings: new Dictionary<string, string?> { ["Telemetry:Prometheus"] = "false" });

        Assert.Equal(StatusCodes.Status200OK, (await ScrapeAsync(open, IPAddress.Parse("192.0.2.10"))).Response.StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, (await ScrapeAsync(off, IPAddress.Loopback)).Response.StatusCode);
    }

    // Built as Program builds it: the test host sees only exceptions that leave the entry point, and Program turns a
    // failed start into two lines and exit code 1 (Startup/StartupTests run that end to end).
    [Fact]
    public void An_unknown_MetricsAccess_value_stops_the_start_naming_the_setting()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));

        var failure = Assert.Throws<StartupException>(() => PortageServer.Build(["--Telemetry:MetricsAccess=everyone", $"--Portage:DataFolder={folder}"]));

        Assert.StartsWith("Telemetry:MetricsAccess is 'everyone'.", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    private static Task<HttpContext> ScrapeAsync(PortageApp app, IPAddress remote, string? bearer = null, string? forwardedFor = null)
    {
        _ = app.Credentials;
        return app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/metrics";
            c.Request.Host = new HostString("127.0.0.1:5757");
            c.Connection.RemoteIpAddress = remote;
            if (bearer is not null)
            {
                c.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer).ToString();
            }

            if (forwardedFor is not null)
            {
                c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            }
        });
    }

    private static string Body(HttpContext context) => new StreamReader(context.Response.Body).ReadToEnd();
}
