using Portage.Core.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>
/// Every endpoint under a <c>{sandboxId}</c> group works in a sandbox of the caller's account: it is looked up once,
/// after <see cref="ApiKeyFilter"/> (so 401 and 403 come first), and kept on the request. Another account's sandbox is
/// 404 exactly like a missing one, and comes before anything the endpoint reads from the body or the query.
/// </summary>
internal sealed class SandboxFilter(TenancyService tenancy) : IEndpointFilter
{
    private const string SandboxKey = "portage.sandbox";
    private const string RouteName = "sandboxId";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var sandboxId = http.Request.RouteValues[RouteName] as string
            ?? throw new InvalidOperationException($"SandboxFilter runs only on routes with {{{RouteName}}}.");
        http.Items[SandboxKey] = await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(http), sandboxId, http.RequestAborted);
        return await next(context);
    }

    /// <summary>The sandbox this request works in.</summary>
    public static SandboxRecord SandboxOf(HttpContext context) =>
        context.Items[SandboxKey] as SandboxRecord ?? throw new InvalidOperationException("SandboxFilter did not run for this endpoint.");
}

internal static class SandboxGroups
{
    /// <summary>
    /// A group under <paramref name="prefix"/>, which names <c>{sandboxId}</c>: its endpoints run behind
    /// <see cref="SandboxFilter"/>. Filters of outer groups run first, so <see cref="ApiKeyFilter"/> still decides before it.
    /// </summary>
    public static RouteGroupBuilder MapSandboxGroup(this RouteGroupBuilder api, string prefix)
    {
        if (!prefix.Contains("{sandboxId}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"A sandbox group's pattern names {{sandboxId}}; '{prefix}' does not.", nameof(prefix));
        }

        return api.MapGroup(prefix).AddEndpointFilter<SandboxFilter>();
    }
}
