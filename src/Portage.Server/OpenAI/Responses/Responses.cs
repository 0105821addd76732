using Microsoft.Extensions.Options;
using Portage.Core.Providers;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;
using Portage.Server.Endpoints;
using Portage.Server.Sse;

namespace Portage.Server.OpenAI.Responses;

/// <summary>
/// <c>POST /v1/responses</c> on Portage's engine. A response is a run of the end user named by <c>user</c>
/// (<see cref="RunHost"/>): <c>previous_response_id</c> continues that response's session (and, when <c>model</c> names
/// another provider, its window in a new session: rule 5), <c>conversation</c> names a window, and a request naming
/// neither starts a new window. <c>store: false</c> is a gateway call (<see cref="GatewayCalls"/>) that records nothing.
/// The answer goes out as Responses stream events or as the response object.
/// </summary>
internal sealed class Responses(
    ProviderRegistry providers,
    RunRequestValidator validator,
    RunHost host,
    RunFollower follower,
    GatewayCalls gateway,
    TenancyService tenancy,
    StoredResponses stored,
    StreamKeyWatch keys,
    TimeProvider time,
    IOptions<ServerOptions> options,
    ContentLogging content,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Portage.Server.Responses");

    public async Task CreateAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var caller = ApiKeyFilter.CallerOf(context);
        var sandbox = await V1Sandbox.ResolveAsync(context, tenancy, aborted);
        var wire = await JsonBody.ReadAsync(context.Request, ResponsesJson.Default.ResponseRequest, options.Value.MaxRequestBodyBytes, aborted, ResponseRequestScreen.Screen);
        var turn = ResponseRequestReader.Read(wire, providers);
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        using var key = keys.Start(caller);
        if (!turn.Store)
        {
            var call = await gateway.PrepareAsync(sandbox.Id,
                validator.ValidateGateway(turn.Request with { NewWindow = null }) with { CallerHistory = turn.History, Caller = caller }, aborted);
            try
            {
                var start = Start(turn, ResponseIds.OfCall(call.Id), created, call.Request, windowId: null);
                await AnswerAsync(context, turn.Stream, gateway.StreamAsync(call, CancellationToken.None), new ResponseAssembler(start), key.Revoked);
            }
            finally
            {
                // Settled when the call's stream ended; released here when it never started.
                await gateway.ReleaseAsync(call);
            }

            return;
        }

        var request = turn.Request;
        if (turn.PreviousResponseId is { } previous)
        {
            var run = await stored.PreviousAsync(sandbox.Id, previous, request.EndUserId!, aborted);
            request = request with { SessionId = run.SessionId };
        }

        var valid = validator.Validate(request) with
        {
            CallerHistory = request.NewWindow == true ? turn.History : null,
            Response = turn.Details,
            Caller = caller,
            Sandbox = sandbox,
        };
        var handle = await host.StartRunAsync(sandbox.Id, valid, aborted);
        await V1Runs.AnswerAsync(host, handle, _logger, context, key, async () =>
        {
            var start = Start(turn, ResponseIds.Of(handle.Run.Id), created, valid, handle.Run.WindowId);
            await AnswerAsync(context, turn.Stream, RunFrames.EventsAsync(follower, handle.Run, tools: true, CancellationToken.None), new ResponseAssembler(start), key.Revoked);
        });
    }

    private static ResponseObject Start(ResponseTurn turn, string id, long created, RunRequest request, string? windowId) => new()
    {
        Id = id,
        CreatedAt = created,
        Status = "in_progress",
        Model = $"{request.Provider.Name}/{request.Model}",
        Instructions = turn.Details.Instructions,
        MaxOutputTokens = turn.Request.MaxTokens,
        PreviousResponseId = turn.PreviousResponseId,
        Store = turn.Store,
        User = turn.Request.EndUserId,
        Metadata = turn.Metadata,
        Conversation = windowId is null ? null : new ConversationRef(windowId),
    };

    private async Task AnswerAsync(HttpContext context, bool stream, IAsyncEnumerable<AgentEvent> events, ResponseAssembler assembler, CancellationToken keyRevoked)
    {
        if (stream)
        {
            await ResponseStreamWriter.WriteAsync(context, events, assembler, TimeSpan.FromSeconds(options.Value.PingSeconds), time, _logger, content, keyRevoked);
            return;
        }

        var aborted = context.RequestAborted;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(aborted, keyRevoked);
        try
        {
            await foreach (var agentEvent in events.WithCancellation(reading.Token))
            {
                _ = assembler.Add(agentEvent).Count();
                if (agentEvent is AgentError error)
                {
                    await V1Runs.WriteFailureAsync(context, error);
                    return;
                }

                if (agentEvent.IsTerminal)
                {
                    await context.Response.WriteAsJsonAsync(assembler.Response, ResponsesJson.Default.ResponseObject, "application/json", aborted);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw V1Runs.KeyRevoked();
        }
    }
}
