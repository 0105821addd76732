namespace Portage.Core.Providers;

/// <summary>
/// Keys of <see cref="Microsoft.Extensions.AI.ChatOptions.AdditionalProperties"/> through which a run tells a provider
/// adapter what the neutral <see cref="Microsoft.Extensions.AI.ChatOptions"/> has no field for. Adapters read them;
/// they never reach a provider's wire unless the adapter puts them there.
/// </summary>
public static class RunContextKeys
{
    /// <summary>The end user the run acts for (string), as the caller named them.</summary>
    public const string EndUserId = "portage.end_user_id";

    /// <summary>
    /// The user id to give a provider that keeps state per user (string): the end user scoped by sandbox
    /// (<see cref="ProviderUserIds"/>). Agent Engine sessions are created for this user id.
    /// </summary>
    public const string ProviderUserId = "portage.provider_user_id";

    /// <summary>The request's <c>reasoning_engine_id</c> (string), for Google's Agent Engine.</summary>
    public const string ReasoningEngineId = "portage.reasoning_engine_id";

    /// <summary>The request's <c>location</c> (string): a Google region override.</summary>
    public const string Location = "portage.location";
}
