using System.Net;
using Microsoft.AspNetCore.Http;
using Portage.Core.Tenancy;
using Portage.Server.Tests.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary>Issue 17, finding 7: the bootstrap hands out the development key only while it still opens the API.</summary>
public sealed partial class ConsoleAssetsTests
{
    [Fact]
    public async Task Bootstrap_does_not_hand_out_a_revoked_development_key()
    {
        using var app = new PortageApp();
        var developmentKeyId = await app.KeyIdAsync("development");
        var (ops, _) = await app.CreateKeyAsync("ops", "admin");
        using var opsClient = app.ClientWith(ops);
        using var revoked = await opsClient.DeleteAsync(new Uri($"/api/v1/api-keys/{developmentKeyId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        var context = await BootstrapAsync(app, IPAddress.Loopback, "127.0.0.1:5757");

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.DoesNotContain(app.Credentials.ApiKey, body, StringComparison.Ordinal);
        Assert.Contains("revoked", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_does_not_hand_out_a_key_the_server_does_not_know()
    {
        using var app = new PortageApp();
        var stranger = ApiKeys.Mint();
        (app.Credentials with { ApiKey = stranger }).Write(app.DataFolderPath);

        var context = await BootstrapAsync(app, IPAddress.Loopback, "127.0.0.1:5757");

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        Assert.DoesNotContain(stranger, await new StreamReader(context.Response.Body).ReadToEndAsync(), StringComparison.Ordinal);
    }
}
