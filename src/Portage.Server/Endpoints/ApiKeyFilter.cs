using Portage.Core.Tenancy;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>
/// Every <c>/api/v1</c> endpoint needs <c>Authorization: Bearer &lt;api key&gt;</c> of a scope that may call it (the
/// endpoint's <see cref="RequiredScope"/>, else <c>admin</c>; 403 <c>insufficient_scope</c> otherwise); the caller is
/// kept on the request.
/// </summary>
internal sealed class ApiKeyFilter(TenancyService tenancy) : IEndpointFilter
{
    private const string CallerKey = "portage.caller";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = await tenancy.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted);
        TenancyService.RequireScope(caller, http.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>()?.Scope ?? ApiKeyScopes.Admin);
        http.Items[CallerKey] = caller;
        return await next(context);
    }

    /// <summary>The authenticated caller of this request.</summary>
    public static Caller CallerOf(HttpContext context) =>
        context.Items[CallerKey] as Caller ?? throw new InvalidOperationException("ApiKeyFilter did not run for this endpoint.");
}
