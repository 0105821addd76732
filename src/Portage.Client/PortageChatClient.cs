using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>
/// An <see cref="AgentRouter"/> as a Microsoft.Extensions.AI <see cref="IChatClient"/>, made by
/// <see cref="AgentRouter.AsChatClient"/>. Every call is one run of one end user; Portage keeps the conversation, so a
/// call sends only its new user message(s) and continues the session named by <see cref="ChatOptions.ConversationId"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Conversation.</b> <see cref="ChatOptions.ConversationId"/> is the Portage <c>session_id</c>: each response
/// (and each streamed update) carries the one <c>agent_finish</c> returned as <see cref="ChatResponse.ConversationId"/>;
/// pass it on the next call. Without one, the call starts a new context window.</item>
/// <item><b>What is sent.</b> The user messages after the last assistant message of the list, their text only, in
/// order; earlier messages are Portage's memory already and are not sent again (a history built elsewhere is not
/// imported). The system messages of the list and <see cref="ChatOptions.Instructions"/>, joined by blank lines, are the
/// run's system prompt. <see cref="ChatOptions.MaxOutputTokens"/> is <c>max_tokens</c>; <see cref="ChatOptions.Tools"/>
/// are not sent (the router runs its own tools).</item>
/// <item><b>Provider.</b> <see cref="ChatOptions.ModelId"/> is <c>provider/model</c> (everything after the first
/// <c>/</c> is the model id) or a provider's name alone for its default model; without it the
/// <see cref="AgentRouter.AsChatClient"/> defaults apply. Another provider than the conversation's continues the same
/// context window in a new session (its id is the next <see cref="ChatResponse.ConversationId"/>).</item>
/// <item><b>Router-run tools</b> surface as <see cref="FunctionCallContent"/> with
/// <see cref="FunctionCallContent.InformationalOnly"/> set (so <c>UseFunctionInvocation</c> leaves them alone), followed by
/// their <see cref="FunctionResultContent"/> in a <see cref="ChatRole.Tool"/> message.</item>
/// <item><b>Errors.</b> A refused run (non-2xx) and a run that failed while streaming (<c>agent_error</c>) both throw
/// <see cref="AgentRouterException"/>; <c>context_compacted</c> frames are skipped.</item>
/// </list>
/// </remarks>
internal sealed class PortageChatClient : IChatClient
{
    private readonly AgentRouter _router;
    private readonly string _endUserId;
    private readonly string _provider;
    private readonly string? _model;
    private readonly string? _sandboxId;
    private readonly ChatClientMetadata _metadata;

    public PortageChatClient(AgentRouter router, string endUserId, string provider, string? model, string? sandboxId)
    {
        _router = router;
        _endUserId = endUserId;
        _provider = provider;
        _model = string.IsNullOrEmpty(model) ? null : model;
        _sandboxId = sandboxId;
        _metadata = new ChatClientMetadata("portage", new Uri(router.ApiUrl), _model is null ? provider : $"{provider}/{_model}");
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        // The merge keeps the updates' properties on nothing; the finish's (stop_reason, run_id, context_window_id) belong to the response.
        response.AdditionalProperties = updates.LastOrDefault(u => u.FinishReason is not null)?.AdditionalProperties;
        return response;
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var run = ChatMapping.FromChatMessages([.. messages], options, _endUserId, _provider, _model);
        return StreamAsync(run, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(AgentRouter) ? _router
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    // The router belongs to the caller, who may make several chat clients of it.
    public void Dispose()
    {
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(RunOptions run, [EnumeratorCancellation] CancellationToken ct)
    {
        var stream = new ChatMapping.RunStream();
        await foreach (var agentEvent in _router.RunAsync(run, _sandboxId, ct))
        {
            if (agentEvent is AgentError error)
            {
                throw new AgentRouterException("agents.run", error);
            }

            if (stream.ToChatResponseUpdate(agentEvent) is { } update)
            {
                yield return update;
            }
        }
    }
}
