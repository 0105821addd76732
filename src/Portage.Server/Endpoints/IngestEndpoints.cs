using System.Text.Json;
using Microsoft.Extensions.Options;
using Portage.Core.Ingest;
using Portage.Protocol;
using Portage.Protocol.Ingest;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// Ingest (copass-compat §7.3): a text is accepted as a durable job (202) and indexed by the background worker;
/// the job's status is polled at its <c>status_url</c>. The shorthand <c>/api/v1/storage/ingest</c> routes do the same
/// in the key's default sandbox (or the one <c>X-Portage-Sandbox-Id</c> names).
/// </summary>
internal static class IngestEndpoints
{
    public static RouteGroupBuilder MapIngest(this RouteGroupBuilder sandbox)
    {
        var ingest = sandbox.MapGroup("/ingest").RequireScope(ApiKeyScopes.Runs).WithTags("Ingest");
        ingest.MapPost("", IngestAsync).WithSummary("Ingest text (a job)")
            .ReadsJson<IngestTextRequest>().Produces<IngestJobResponse>(StatusCodes.Status202Accepted);
        ingest.MapGet("/{jobId}", GetAsync).WithSummary("An ingest job's status").Produces<IngestJobStatus>();
        return sandbox;
    }

    /// <summary>§7.3's shorthand: <c>POST /storage/ingest</c> and <c>GET /storage/ingest/{jobId}</c> in the key's default sandbox.</summary>
    public static RouteGroupBuilder MapShorthandIngest(this RouteGroupBuilder api)
    {
        var ingest = api.MapGroup("/storage/ingest").AddEndpointFilter<DefaultSandboxFilter>().RequireScope(ApiKeyScopes.Runs).WithTags("Ingest");
        ingest.MapPost("", (HttpContext context, IngestService service, IOptions<ServerOptions> options) =>
                IngestAsync(context, SandboxFilter.SandboxOf(context).Id, service, options))
            .WithSummary("Ingest text into the key's default sandbox (a job)")
            .ReadsJson<IngestTextRequest>().Produces<IngestJobResponse>(StatusCodes.Status202Accepted);
        ingest.MapGet("/{jobId}", (HttpContext context, string jobId, IngestService service) =>
                GetAsync(context, SandboxFilter.SandboxOf(context).Id, jobId, service))
            .WithSummary("An ingest job's status, in the key's default sandbox").Produces<IngestJobStatus>();
        return api;
    }

    private static async Task<IResult> IngestAsync(
        HttpContext context, string sandboxId, IngestService ingest, IOptions<ServerOptions> options)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.IngestTextRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var accepted = await ingest.EnqueueAsync(sandboxId, request, context.RequestAborted);
        var job = accepted.Job;
        var body = new IngestJobResponse
        {
            JobId = job.Id,
            Status = job.Status,
            SandboxId = sandboxId,
            ProjectId = job.ProjectId,
            StatusUrl = StatusUrl(sandboxId, job.Id),
            DataSourceId = job.DataSourceId,
            TurnSeq = accepted.TurnSeq,
        };
        return TypedResults.Json(body, ProtocolJson.Wire.IngestJobResponse, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sandboxId, string jobId, IngestService ingest)
    {
        var job = await ingest.GetJobAsync(sandboxId, jobId, context.RequestAborted);
        var body = new IngestJobStatus
        {
            JobId = job.Id,
            Status = job.Status,
            Result = job.ResultJson is null ? null : JsonSerializer.Deserialize(job.ResultJson, ProtocolJson.Wire.IngestJobResult),
            ErrorMessage = job.ErrorMessage,
            RetryCount = job.RetryCount,
            CreatedAt = job.CreatedAt,
            StartedAt = job.StartedAt,
            CompletedAt = job.CompletedAt,
            SandboxId = job.SandboxId,
            DataSourceId = job.DataSourceId,
        };
        return TypedResults.Json(body, ProtocolJson.Wire.IngestJobStatus);
    }

    private static string StatusUrl(string sandboxId, string jobId) =>
        $"/api/v1/storage/sandboxes/{Uri.EscapeDataString(sandboxId)}/ingest/{Uri.EscapeDataString(jobId)}";
}
