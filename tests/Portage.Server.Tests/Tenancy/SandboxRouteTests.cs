using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Portage.Server.Tests.Console;
using Portage.Testing;

namespace Portage.Server.Tests.Tenancy;

/// <summary>
/// Every route that names <c>{sandboxId}</c> sits behind one sandbox look-up: another account's sandbox is 404
/// <c>sandbox_not_found</c> (like a missing one) before the endpoint reads its body or query, so a new endpoint under
/// a sandbox cannot forget the check.
/// </summary>
public sealed partial class SandboxRouteTests
{
    [Fact]
    public async Task Every_sandbox_route_answers_another_accounts_sandbox_with_404_before_reading_the_request()
    {
        using var app = new PortageApp();
        using var other = await app.OtherAccountAsync();
        var routes = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.GetParameter("sandboxId") is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: e.RoutePattern.RawText!)))
            .ToList();

        var answers = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            var path = Parameter().Replace(pattern, m => m.Groups[1].Value == "sandboxId" ? "sb_other" : "x") + "?limit=-1&after_seq=one&cursor=@";
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (method != "GET")
            {
                request.Content = new StringContent("{not json", Encoding.UTF8, "application/json");
            }

            using var response = await app.Client.SendAsync(request);
            var (status, error, _) = await Runs.ErrorOf(response);
            answers.Add($"{method} {pattern}: {status} {error}");
        }

        Assert.Contains("POST /api/v1/storage/sandboxes/{sandboxId}/agents/run: 404 sandbox_not_found", answers);
        Assert.Contains("POST /api/v1/query/sandboxes/{sandboxId}/discover: 404 sandbox_not_found", answers);
        Assert.Contains("GET /api/v1/storage/sandboxes/{sandboxId}/sources/{sourceId}/turns: 404 sandbox_not_found", answers);
        Assert.All(answers, a => Assert.EndsWith(": 404 sandbox_not_found", a, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Parameter();
}
