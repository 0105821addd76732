using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Runs;
using Portage.Server.Endpoints;
using Portage.Server.Mcp;
using Portage.Server.Sse;

namespace Portage.Server.OpenAI;

/// <summary>
/// <c>POST /v1/chat/completions</c> on Portage's engine. With <c>user</c> the request is a run of that end user
/// (<see cref="RunHost"/>): the model is sent the request's messages, and the new user messages and the answer are
/// recorded in the end user's active window, with the run's retries, usage, cost, telemetry and event log. Without
/// <c>user</c> it is a gateway call (<see cref="GatewayCalls"/>) that stores nothing. Either way the answer goes out in
/// OpenAI's shape, streamed or whole.
/// </summary>
internal sealed class ChatCompletions(
    ProviderRegistry providers,
    RunRequestValidator validator,
    RunHost host,
    RunFollower follower,
    GatewayCalls gateway,
    TenancyService tenancy,
    StreamKeyWatch keys,
    TimeProvider time,
    IOptions<ServerOptions> options,
    ContentLogging content,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Portage.Server.ChatCompletions");

    public async Task CompleteAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var caller = ApiKeyFilter.CallerOf(context);
        var sandbox = await SandboxAsync(context, caller, aborted);
        var wire = await JsonBody.ReadAsync(context.Request, OpenAIJson.Default.ChatCompletionRequest, options.Value.MaxRequestBodyBytes, aborted,
            ChatRequestScreen.Screen);
        var turn = ChatRequestReader.Read(wire, providers);
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        using var key = keys.Start(caller);
        if (turn.Request.EndUserId is null)
        {
            var call = await gateway.PrepareAsync(sandbox.Id, validator.ValidateGateway(turn.Request) with { CallerHistory = turn.History, Caller = caller }, aborted);
            try
            {
                var reply = new ChatReplyInfo(call.Id, created, turn.Model, turn.IncludeUsage, Recorded: false);
                await AnswerAsync(context, turn.Stream, gateway.StreamAsync(call, CancellationToken.None), reply, key.Revoked);
            }
            finally
            {
                // Settled when the call's stream ended; released here when it never started.
                await gateway.ReleaseAsync(call);
            }

            return;
        }

        var handle = await host.StartRunAsync(sandbox.Id, validator.Validate(turn.Request) with { CallerHistory = turn.History, Caller = caller }, aborted);
        using var scope = _logger.BeginScope(RunLogScope.Of(handle.Run.Scope));
        try
        {
            var reply = new ChatReplyInfo(handle.Run.Id, created, turn.Model, turn.IncludeUsage, Recorded: true);
            await AnswerAsync(context, turn.Stream, EventsAsync(handle.Run, CancellationToken.None), reply, key.Revoked);
        }
        finally
        {
            // As on the run endpoint: a client that went away (or whose key was revoked) stops the run it started.
            if ((aborted.IsCancellationRequested || key.IsRevoked) && host.FindLive(handle.Run.Id) is { CancelOnDisconnect: true } live)
            {
                live.Cancel();
            }
        }
    }

    // The key's default sandbox, or the one X-Portage-Sandbox-Id names (another account's is 404, as a missing one).
    private async Task<SandboxRecord> SandboxAsync(HttpContext context, Caller caller, CancellationToken cancellationToken)
    {
        var named = context.Request.Headers[McpAuthMiddleware.SandboxHeader].ToString().Trim();
        return named.Length == 0
            ? await tenancy.GetDefaultSandboxAsync(caller, cancellationToken)
            : await tenancy.GetSandboxAsync(caller, named, cancellationToken);
    }

    private async Task AnswerAsync(HttpContext context, bool stream, IAsyncEnumerable<AgentEvent> events, ChatReplyInfo reply, CancellationToken keyRevoked)
    {
        if (stream)
        {
            await ChatStreamWriter.WriteAsync(context, events, reply, TimeSpan.FromSeconds(options.Value.PingSeconds), time, _logger, content, keyRevoked);
            return;
        }

        var aborted = context.RequestAborted;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(aborted, keyRevoked);
        var text = new StringBuilder();
        try
        {
            await foreach (var agentEvent in events.WithCancellation(reading.Token))
            {
                switch (agentEvent)
                {
                    case AgentTextDelta delta:
                        text.Append(delta.Text);
                        break;
                    case AgentFinish finish:
                        var completion = new ChatCompletion(reply.Id, reply.Created, reply.Model,
                            [new ChatChoice(0, new ChatAnswer(text.ToString()), ChatReplies.FinishReason(finish.StopReason))],
                            ChatReplies.Usage(finish.Usage), ChatReplies.Extension(finish, reply.Recorded));
                        await context.Response.WriteAsJsonAsync(completion, OpenAIJson.Default.ChatCompletion, contentType: "application/json", aborted);
                        return;
                    case AgentError error:
                        var status = ChatReplies.StatusOf(error);
                        context.Response.StatusCode = status;
                        await context.Response.WriteAsJsonAsync(OpenAIErrors.Body(status, error.Type, error.Message), OpenAIJson.Default.OpenAIErrorBody,
                            contentType: "application/json", aborted);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw new PortageException(ErrorKind.Unauthorized, "key_revoked", "The API key this request was made with was revoked while it ran; its answer is cancelled.");
        }
    }

    // The run's frames as events; the ones a Chat Completions client has no use for (run_started, tool frames) are left out.
    private async IAsyncEnumerable<AgentEvent> EventsAsync(RunRecord run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var frame in follower.FollowAsync(run, 0, cancellationToken))
        {
            AgentEvent? agentEvent = frame.Event switch
            {
                EventNames.TextDelta => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentTextDelta),
                EventNames.Finish => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentFinish),
                EventNames.Error => JsonSerializer.Deserialize(frame.Data, ProtocolJson.Wire.AgentError),
                _ => null,
            };
            if (agentEvent is not null)
            {
                yield return agentEvent;
            }
        }
    }
}
