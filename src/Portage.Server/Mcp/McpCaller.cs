using Portage.Core.Tenancy;

namespace Portage.Server.Mcp;

/// <summary>Who calls <c>/mcp</c>: the authenticated account, the sandbox it may use and, optionally, the end user.</summary>
internal sealed record McpCaller(Caller Caller, string SandboxId, string? EndUserId)
{
    private const string ItemKey = "portage.mcp.caller";

    /// <summary>Keeps the caller on the request for the tool handlers.</summary>
    public void Attach(HttpContext context) => context.Items[ItemKey] = this;

    /// <summary>The caller the middleware resolved for this request, or null outside <c>/mcp</c>.</summary>
    public static McpCaller? Of(HttpContext? context) => context?.Items[ItemKey] as McpCaller;
}
