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
/// the job's status is polled at its <c>status_url</c>.
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
