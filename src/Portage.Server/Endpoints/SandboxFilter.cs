using Portage.Core.Tenancy;
using Portage.Server.OpenAI;

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
        Keep(http, await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(http), sandboxId, http.RequestAborted));
        return await next(context);
    }

    /// <summary>The sandbox this request works in.</summary>
    public static SandboxRecord SandboxOf(HttpContext context) =>
        context.Items[SandboxKey] as SandboxRecord ?? throw new InvalidOperationException("SandboxFilter did not run for this endpoint.");

    internal static void Keep(HttpContext context, SandboxRecord sandbox) => context.Items[SandboxKey] = sandbox;
}

/// <summary>
/// <see cref="SandboxFilter"/> for routes without <c>{sandboxId}</c> (copass-compat §7.3's shorthand ingest): the
/// request works in the sandbox <c>/v1</c> would use (<see cref="V1Sandbox"/>: <c>X-Portage-Sandbox-Id</c>'s, else the
/// key's default), found before the endpoint reads anything.
/// </summary>
internal sealed class DefaultSandboxFilter(TenancyService tenancy) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        SandboxFilter.Keep(http, await V1Sandbox.ResolveAsync(http, tenancy, http.RequestAborted));
        return await next(context);
    }
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
