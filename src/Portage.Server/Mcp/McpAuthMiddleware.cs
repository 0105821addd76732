using System.Security.Claims;
using Portage.Core.Errors;
using Portage.Core.Tenancy;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Mcp;

/// <summary>
/// Authenticates every <c>/mcp</c> request like the REST API, before the MCP layer sees it: a bearer API key of either
/// scope (401 otherwise), a sandbox of that key's account from <c>X-Portage-Sandbox-Id</c> or <c>?sandbox_id</c> (404 otherwise,
/// whether it exists or not), an optional <c>X-Portage-End-User-Id</c>, and a JSON body on POST (415 otherwise). Failures are <see cref="PortageException"/>s,
/// so <c>ErrorMiddleware</c> answers them with the usual <c>{"error","detail"}</c>.
/// </summary>
internal sealed class McpAuthMiddleware(RequestDelegate next)
{
    public const string SandboxHeader = "X-Portage-Sandbox-Id";
    public const string EndUserHeader = "X-Portage-End-User-Id";
    public const string SandboxQuery = "sandbox_id";

    public async Task InvokeAsync(HttpContext context, TenancyService tenancy)
    {
        var cancellationToken = context.RequestAborted;
        var caller = await tenancy.AuthenticateAsync(context.Request.Headers.Authorization.ToString(), cancellationToken);

        // Every MCP tool works inside one sandbox for its end users (retrieval, windows, ingest): a runs key may use them.
        TenancyService.RequireScope(caller, ApiKeyScopes.Runs);
        var sandboxId = FirstNonEmpty(context.Request.Headers[SandboxHeader].ToString(), context.Request.Query[SandboxQuery].ToString())
            ?? throw PortageException.BadRequest("missing_sandbox_id",
                $"Name the sandbox the MCP tools work in: header '{SandboxHeader}: <sandbox id>' (or ?{SandboxQuery}=…). List yours with GET /api/v1/storage/sandboxes.");
        await tenancy.GetSandboxAsync(caller, sandboxId, cancellationToken);

        // The SDK reads a POST body as JSON and throws on a Content-Type it cannot parse (a 500); refuse those here.
        if (HttpMethods.IsPost(context.Request.Method) && !context.Request.HasJsonContentType())
        {
            throw new PortageException(ErrorKind.UnsupportedMediaType, "unsupported_media_type",
                $"Content-Type is '{context.Request.ContentType ?? "(none)"}'; MCP messages are JSON: send 'Content-Type: application/json'.");
        }

        var endUser = FirstNonEmpty(context.Request.Headers[EndUserHeader].ToString());
        var mcpCaller = new McpCaller(caller, sandboxId, endUser is null ? null : EndUserIds.Validate(endUser));
        mcpCaller.Attach(context);

        // A user for the MCP SDK (account, sandbox and end user), for its session binding. Portage does not rely on it:
        // McpSessions keys session state by caller as well, so a borrowed session id never reaches another's windows.
        var identity = string.Join('|', caller.AccountId, sandboxId, mcpCaller.EndUserId ?? "");
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, identity)], "PortageApiKey"));
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && context.Response.HasStarted)
        {
            // The session ended (a DELETE /mcp beside this request) while the SDK waited to send this POST's answer on
            // the stream it had opened: the stream ends here without one, instead of the connection being reset.
        }
    }

    private static string? FirstNonEmpty(params string[] values) => values.Select(v => v.Trim()).FirstOrDefault(v => v.Length > 0);
}
