using Portage.Testing;

namespace Portage.Server.Tests.OpenApi;

public sealed class OpenApiDumpTests
{
    [Fact]
    public async Task Dump()
    {
        using var app = new PortageApp();
        var text = await app.CreateClient().GetStringAsync("/openapi/v1.json");
        await File.WriteAllTextAsync("/tmp/openapi-dump.json", text);
    }
}
