using Portage.Protocol;
using Portage.Protocol.Ingest;

namespace Portage.Client;

/// <summary>
/// <c>/api/v1/storage/sandboxes/{sandbox_id}/ingest</c>: puts text into a sandbox's retrievable content. The server
/// answers at once with a queued job and indexes it in the background; poll it with <see cref="GetJobAsync"/> or
/// <see cref="WaitForJobAsync"/>.
/// </summary>
public sealed class IngestResource
{
    private readonly RouterConnection _connection;

    internal IngestResource(RouterConnection connection) => _connection = connection;

    /// <summary>Ingests a text (<c>POST …/ingest</c>); the answer is the queued job. Sent once, never retried.</summary>
    public Task<IngestJobResponse> TextAsync(string sandboxId, IngestTextRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("ingest.text", HttpMethod.Post, Path(sandboxId), request, ProtocolJson.Default.IngestJobResponse, cancellationToken);

    /// <summary>The status of an ingest job (<c>GET …/ingest/{job_id}</c>).</summary>
    public Task<IngestJobStatus> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "ingest.getJob", HttpMethod.Get, $"{Path(sandboxId)}/{Paths.Segment(jobId, nameof(jobId))}",
            ProtocolJson.Default.IngestJobStatus, content: null, cancellationToken);

    /// <summary>
    /// Ingests a text into the API key's default sandbox (<c>POST /api/v1/storage/ingest</c>, copass-compat §7.3's
    /// shorthand: the account's sandbox named <c>default</c>, else its oldest active one); the answer names the sandbox
    /// and the job's <c>status_url</c>. Sent once, never retried.
    /// </summary>
    public Task<IngestJobResponse> TextToDefaultSandboxAsync(IngestTextRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("ingest.textToDefault", HttpMethod.Post, Paths.DefaultSandboxIngest, request, ProtocolJson.Default.IngestJobResponse, cancellationToken);

    /// <summary>The status of a job of the API key's default sandbox (<c>GET /api/v1/storage/ingest/{job_id}</c>).</summary>
    public Task<IngestJobStatus> GetDefaultSandboxJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "ingest.getDefaultJob", HttpMethod.Get, $"{Paths.DefaultSandboxIngest}/{Paths.Segment(jobId, nameof(jobId))}",
            ProtocolJson.Default.IngestJobStatus, content: null, cancellationToken);

    /// <summary>
    /// Polls a job until it is <c>completed</c>, <c>failed</c> or <c>cancelled</c>, and returns its last status.
    /// Cancel <paramref name="cancellationToken"/> to stop waiting (the job goes on).
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="jobId">The job.</param>
    /// <param name="pollInterval">Pause between polls; default 250 ms.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<IngestJobStatus> WaitForJobAsync(
        string sandboxId, string jobId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var status = await GetJobAsync(sandboxId, jobId, cancellationToken);
            if (IsFinished(status.Status))
            {
                return status;
            }

            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Whether a job status is final: <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public static bool IsFinished(string status) => status is "completed" or "failed" or "cancelled";

    private static string Path(string sandboxId) => $"{Paths.Sandbox(sandboxId)}/ingest";
}
