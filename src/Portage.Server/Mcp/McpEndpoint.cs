using ModelContextProtocol.AspNetCore;

namespace Portage.Server.Mcp;

/// <summary>
/// The MCP endpoint at <c>/mcp</c> (Streamable HTTP, stateful sessions so a session keeps its active Context Window).
/// Requests are authenticated by <see cref="McpAuthMiddleware"/> before the MCP layer runs.
/// </summary>
internal static class McpEndpoint
{
    public const string Path = "/mcp";

    public static IServiceCollection AddPortageMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<McpSessions>();
        services.AddSingleton<McpTools>();
        services.AddMcpServer(o => o.ServerInfo = new() { Name = "portage", Version = typeof(McpEndpoint).Assembly.GetName().Version?.ToString() ?? "0.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful)
            .WithListToolsHandler((request, _) => request.Services!.GetRequiredService<McpTools>().ListAsync())
            .WithCallToolHandler((request, cancellationToken) => request.Services!.GetRequiredService<McpTools>().CallAsync(request, cancellationToken));
        return services;
    }

    public static WebApplication MapPortageMcp(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path), branch => branch.UseMiddleware<McpAuthMiddleware>());
        app.MapMcp(Path);
        return app;
    }
}
