using Portage.Core.Tenancy;
using Portage.Server.Endpoints;
using Portage.Server.Mcp;

namespace Portage.Server.OpenAI;

/// <summary>The sandbox of a request under <c>/v1</c>, and of the shorthand ingest routes (<see cref="DefaultSandboxFilter"/>).</summary>
internal static class V1Sandbox
{
    /// <summary>The key's default sandbox, or the one <c>X-Portage-Sandbox-Id</c> names (another account's is 404, as a missing one).</summary>
    public static async Task<SandboxRecord> ResolveAsync(HttpContext context, TenancyService tenancy, CancellationToken cancellationToken)
    {
        var caller = ApiKeyFilter.CallerOf(context);
        var named = context.Request.Headers[McpAuthMiddleware.SandboxHeader].ToString().Trim();
        return named.Length == 0
            ? await tenancy.GetDefaultSandboxAsync(caller, cancellationToken)
            : await tenancy.GetSandboxAsync(caller, named, cancellationToken);
    }
}
