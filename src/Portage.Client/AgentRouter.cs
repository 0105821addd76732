using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>
/// Runs agent turns on a Portage (or Copass) agent router and streams their events; the C# form of the Copass
/// <c>AgentRouter</c>. <see cref="Client"/> reaches the management resources.
/// </summary>
/// <example>
/// <code>
/// using var router = new AgentRouter(new AgentRouterOptions { ApiKey = key, SandboxId = sandboxId });
/// await foreach (var e in router.RunAsync(new RunOptions { Provider = "echo", EndUserId = "u-123", Message = "hi" }))
/// {
///     if (e is AgentTextDelta text) Console.Write(text.Text);
/// }
/// </code>
/// </example>
public sealed class AgentRouter : IDisposable
{
    private const string RunOperation = "agents.run";

    private readonly RouterConnection _connection;

    /// <summary>Creates a router. Nothing is sent until the first call.</summary>
    /// <exception cref="ArgumentException">The API URL is not an absolute http(s) URL.</exception>
    public AgentRouter(AgentRouterOptions options)
    {
        _connection = new RouterConnection(options);
        Client = new PortageClient(_connection);
    }

    /// <summary>The management resources (data sources and context windows, sandboxes, API keys).</summary>
    public PortageClient Client { get; }

    /// <summary>The base URL requests go to, without a trailing <c>/</c>.</summary>
    public string ApiUrl => _connection.ApiUrl;

    /// <summary>The default sandbox of <see cref="RunAsync"/>, from the options.</summary>
    public string? SandboxId => _connection.SandboxId;

    /// <summary>
    /// Runs one agent turn and yields its events as they arrive: <see cref="RunStarted"/> (Portage only), then
    /// <see cref="AgentTextDelta"/>, <see cref="AgentToolCall"/> and <see cref="AgentToolResult"/>, then exactly one
    /// terminal <see cref="AgentFinish"/> or <see cref="AgentError"/>, after which the enumeration ends. Pass
    /// <see cref="AgentFinish.SessionId"/> back as <see cref="RunOptions.SessionId"/> to continue the session.
    /// </summary>
    /// <remarks>
    /// A run is never retried (a replay would run the turn twice; with <see cref="RunOptions.IdempotencyKey"/> a retry
    /// joins the first run instead). Cancelling <paramref name="cancellationToken"/> or leaving the <c>await foreach</c>
    /// early closes the connection, so the server records the run as cancelled, unless it was started with
    /// <see cref="RunOptions.OnDisconnect"/> <c>continue</c>: then it finishes, and <see cref="ResumeAsync"/> reads the rest.
    /// Unknown event names and frames with malformed JSON are skipped. A stream that ends without a terminal frame
    /// (the server died) simply ends, as with the Copass clients.
    /// </remarks>
    /// <param name="options">The turn.</param>
    /// <param name="sandboxId">Overrides <see cref="AgentRouterOptions.SandboxId"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ArgumentException">Neither a message nor messages were given, or there is no sandbox id.</exception>
    /// <exception cref="AgentRouterException">The server refused the run before streaming (non-2xx), raised on the
    /// first <c>MoveNextAsync</c>.</exception>
    public IAsyncEnumerable<AgentEvent> RunAsync(
        RunOptions options, string? sandboxId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Message is null && options.Messages is not { Count: > 0 })
        {
            throw new ArgumentException("RunAsync(): either Message or Messages must be supplied.", nameof(options));
        }

        var sandbox = sandboxId ?? _connection.SandboxId;
        if (string.IsNullOrEmpty(sandbox))
        {
            throw new ArgumentException(
                "RunAsync(): no sandbox id: set AgentRouterOptions.SandboxId or pass sandboxId.", nameof(sandboxId));
        }

        var body = options.ToRequest();
        return StreamAsync(() =>
        {
            var request = _connection.CreateRequest(HttpMethod.Post, $"{Paths.Sandbox(sandbox)}/agents/run", accept: "text/event-stream");
            request.Content = RouterConnection.JsonBody(body);
            return request;
        }, cancellationToken);
    }

    /// <summary>
    /// Re-joins a run's stream (<c>GET …/agents/runs/{run_id}/events</c>), on any replica: the frames after
    /// <paramref name="lastEventId"/> (the <see cref="AgentEvent.EventId"/> of the last frame received; null for all
    /// of them), then the live ones until the terminal frame. The model does not run again. A run started with
    /// <see cref="RunOptions.OnDisconnect"/> <c>continue</c> keeps running while no one is connected; with the default
    /// <c>cancel</c> the resumed stream ends with its <c>run_cancelled</c> error.
    /// </summary>
    /// <param name="runId">The run (from <see cref="RunStarted.RunId"/>).</param>
    /// <param name="lastEventId">The id of the last frame received, <c>run_id:seq</c>.</param>
    /// <param name="sandboxId">Overrides <see cref="AgentRouterOptions.SandboxId"/>.</param>
    /// <param name="cancellationToken">Stops reading (it does not cancel the run).</param>
    public IAsyncEnumerable<AgentEvent> ResumeAsync(string runId, string? lastEventId = null, string? sandboxId = null, CancellationToken cancellationToken = default)
    {
        var sandbox = sandboxId ?? _connection.SandboxId;
        if (string.IsNullOrEmpty(sandbox))
        {
            throw new ArgumentException("ResumeAsync(): no sandbox id: set AgentRouterOptions.SandboxId or pass sandboxId.", nameof(sandboxId));
        }

        var path = $"{Paths.Runs(sandbox)}/{Paths.Segment(runId, nameof(runId))}/events";
        return StreamAsync(() =>
        {
            var request = _connection.CreateRequest(HttpMethod.Get, path, accept: "text/event-stream");
            if (!string.IsNullOrEmpty(lastEventId))
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }

            return request;
        }, cancellationToken);
    }

    /// <summary>
    /// This router as a Microsoft.Extensions.AI <see cref="Microsoft.Extensions.AI.IChatClient"/> acting for one end user:
    /// each call is one run that sends only the new user message(s), with <c>ChatOptions.ConversationId</c> as the
    /// Portage <c>session_id</c> (returned on every response). Disposing it leaves the router open.
    /// </summary>
    /// <param name="endUserId">The end user every run acts for (1–128 characters of <c>[A-Za-z0-9._~:@-]</c>).</param>
    /// <param name="provider">The provider when <c>ChatOptions.ModelId</c> does not name one: <c>echo</c>, <c>anthropic</c>, …</param>
    /// <param name="model">The model when <c>ChatOptions.ModelId</c> does not name one; null for the provider's default.</param>
    /// <param name="sandboxId">Overrides <see cref="AgentRouterOptions.SandboxId"/>.</param>
    /// <exception cref="ArgumentException">No end user, no provider, or no sandbox id.</exception>
    public Microsoft.Extensions.AI.IChatClient AsChatClient(string endUserId, string provider, string? model = null, string? sandboxId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var sandbox = sandboxId ?? _connection.SandboxId;
        if (string.IsNullOrEmpty(sandbox))
        {
            throw new ArgumentException("AsChatClient(): no sandbox id: set AgentRouterOptions.SandboxId or pass sandboxId.", nameof(sandboxId));
        }

        return new PortageChatClient(this, endUserId, provider, model, sandbox);
    }

    /// <summary>Disposes the HTTP client if the router created it (an injected one is left alone).</summary>
    public void Dispose() => _connection.Dispose();

    private async IAsyncEnumerable<AgentEvent> StreamAsync(Func<HttpRequestMessage> createRequest, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = createRequest();

        var response = await _connection.SendStreamingAsync(request, ct);
        // Disposing the response on cancellation aborts a read that does not observe the token itself.
        var abort = ct.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        Stream? stream = null;
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await RouterConnection.ToExceptionAsync(RunOperation, response, ct);
            }

            stream = new EofFlushingStream(await response.Content.ReadAsStreamAsync(ct));
            var frames = SseParser.Create(stream, AgentEventParser.Parse).EnumerateAsync(ct).GetAsyncEnumerator(ct);
            await using (frames)
            {
                while (await MoveNextAsync(frames, ct))
                {
                    if (frames.Current.Data is not { } parsed)
                    {
                        continue;
                    }

                    var agentEvent = string.IsNullOrEmpty(frames.Current.EventId) ? parsed : parsed with { EventId = frames.Current.EventId };
                    yield return agentEvent;
                    if (agentEvent.IsTerminal)
                    {
                        yield break;
                    }
                }
            }
        }
        finally
        {
            await abort.DisposeAsync();
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            response.Dispose();
        }
    }

    private static async ValueTask<bool> MoveNextAsync(IAsyncEnumerator<SseItem<AgentEvent?>> frames, CancellationToken ct)
    {
        try
        {
            return await frames.MoveNextAsync();
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // The abort registration disposed the stream under the read; report it as the cancellation it is.
            throw new OperationCanceledException("The run was cancelled.", ex, ct);
        }
    }
}
