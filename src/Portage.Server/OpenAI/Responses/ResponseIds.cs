namespace Portage.Server.OpenAI.Responses;

/// <summary>A response's id is its run's with the prefix <c>resp_</c> for <c>run_</c>: one id, two names.</summary>
internal static class ResponseIds
{
    public static string Of(string runId) => "resp_" + (runId.StartsWith("run_", StringComparison.Ordinal) ? runId["run_".Length..] : runId);

    /// <summary>The id of a call that records nothing (<c>store: false</c>), from the gateway call's.</summary>
    public static string OfCall(string callId) => "resp_" + callId[(callId.IndexOf('_', StringComparison.Ordinal) + 1)..];

    /// <summary>The run id of a response id, or null when it is not one.</summary>
    public static string? RunIdOf(string responseId) =>
        responseId.StartsWith("resp_", StringComparison.Ordinal) && responseId.Length > "resp_".Length ? "run_" + responseId["resp_".Length..] : null;
}
