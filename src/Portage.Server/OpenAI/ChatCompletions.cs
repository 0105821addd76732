using System.Text;
using Microsoft.Extensions.Options;
using Portage.Core.Providers;
using Portage.Core.Runs;
using Portage.Core.Streams;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;
using Portage.Server.Endpoints;
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
        var sandbox = await V1Sandbox.ResolveAsync(context, tenancy, aborted);
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

        var handle = await host.StartRunAsync(sandbox.Id, validator.Validate(turn.Request) with { CallerHistory = turn.History, Caller = caller, Sandbox = sandbox }, aborted);
        await V1Runs.AnswerAsync(host, handle, _logger, context, key, async () =>
        {
            var reply = new ChatReplyInfo(handle.Run.Id, created, turn.Model, turn.IncludeUsage, Recorded: true);
            await AnswerAsync(context, turn.Stream, RunFrames.EventsAsync(follower, handle.Run, tools: false, CancellationToken.None), reply, key.Revoked);
        });
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
                        await V1Runs.WriteFailureAsync(context, error);
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
