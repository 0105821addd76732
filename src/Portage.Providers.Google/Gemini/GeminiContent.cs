using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Providers.Google.Gemini;

/// <summary>
/// How Gemini's parts live in MEAI content, so a stored transcript (serialized with
/// <see cref="AIJsonUtilities.DefaultOptions"/>) replays the exact parts Gemini sent.
/// </summary>
/// <remarks>
/// A part's <c>thoughtSignature</c> is kept as a <see cref="TextReasoningContent"/> with no text and the signature in
/// <see cref="TextReasoningContent.ProtectedData"/>, placed right after the content of its part. That is the
/// convention of Google's own IChatClient (Google.GenAI), so transcripts are interchangeable, and it survives
/// <c>ToChatResponse()</c>: the marker is not text, so MEAI's text coalescing cannot merge a signed part into its
/// neighbours (where a signature in <c>AdditionalProperties</c> would be dropped or moved).
/// </remarks>
internal static class GeminiContent
{
    /// <summary>Set on a <see cref="FunctionCallContent"/> whose id Portage minted because Gemini sent none.</summary>
    public const string MintedCallIdKey = "portage.minted_call_id";

    public static TextReasoningContent SignatureMarker(string signature) => new(null) { ProtectedData = signature };

    public static bool IsSignatureMarker(AIContent content) =>
        content is TextReasoningContent { ProtectedData: not null } reasoning && string.IsNullOrEmpty(reasoning.Text);

    /// <summary>True when the call id was minted by Portage and must not be sent to Gemini as if it were Gemini's.</summary>
    public static bool HasMintedId(FunctionCallContent call) =>
        call.AdditionalProperties?.TryGetValue(MintedCallIdKey, out var value) == true
        && value switch
        {
            bool flag => flag,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            _ => false,
        };
}
