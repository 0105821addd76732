using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI;

/// <summary>Who answers: the id, time and model every object of one completion carries.</summary>
/// <param name="Id">The run id when the turn is recorded, else the gateway call's id.</param>
/// <param name="Created">Unix seconds when the request came.</param>
/// <param name="Model">The model as the request named it.</param>
/// <param name="IncludeUsage">Whether a stream ends with a usage chunk.</param>
/// <param name="Recorded">Whether the turn is recorded in the end user's window (the request named <c>user</c>).</param>
internal sealed record ChatReplyInfo(string Id, long Created, string Model, bool IncludeUsage, bool Recorded);

/// <summary>Portage's terminal frames in OpenAI's terms.</summary>
internal static class ChatReplies
{
    /// <summary>
    /// OpenAI's finish reasons are a closed set its SDKs parse strictly: an answer cut short by <c>max_tokens</c>, by
    /// <c>Runs:MaxToolCycles</c> or by <c>Runs:TimeLimitSeconds</c> is <c>length</c>; Portage's own reason is in the
    /// <c>portage</c> extension.
    /// </summary>
    public static string FinishReason(string stopReason) => stopReason switch
    {
        "max_tokens" or "max_cycles" or "timeout" => "length",
        "content_filter" => "content_filter",
        _ => "stop",
    };

    /// <summary>OpenAI's usage: prompt tokens count the cached ones, completion tokens the reasoning ones.</summary>
    public static ChatUsage Usage(Usage usage)
    {
        var prompt = usage.InputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens;
        var reasoning = usage.ThinkingTokens ?? 0;
        var completion = usage.OutputTokens + reasoning;
        return new ChatUsage(prompt, completion, prompt + completion, new PromptTokensDetails(usage.CacheReadInputTokens), new CompletionTokensDetails(reasoning));
    }

    /// <summary>The <c>portage</c> extension of a finished answer.</summary>
    public static PortageCompletion Extension(AgentFinish finish, bool recorded) =>
        new(recorded ? finish.RunId : null, finish.SessionId, finish.ContextWindowId, finish.StopReason, finish.Usage);

    /// <summary>
    /// The status of an answer that failed after it started, when nothing has been sent yet (no stream): the provider's
    /// failure is 502, a store that would not take the turn 503, a cancelled run 409, Portage broken 500.
    /// </summary>
    public static int StatusOf(AgentError error) => error.Type switch
    {
        "storage_error" or "run_interrupted" => StatusCodes.Status503ServiceUnavailable,
        "run_cancelled" => StatusCodes.Status409Conflict,
        "key_revoked" => StatusCodes.Status401Unauthorized,
        "internal_error" => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status502BadGateway,
    };
}
