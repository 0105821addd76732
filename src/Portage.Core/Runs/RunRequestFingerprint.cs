using System.Security.Cryptography;
using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// What makes two run requests "the same turn" for <c>idempotency_key</c>: every field that changes what the run does.
/// The disconnect policy is left out (a retry may reasonably choose another), as is the key itself.
/// </summary>
public static class RunRequestFingerprint
{
    /// <summary>A SHA-256 of the request's turn-defining fields, in hex.</summary>
    public static string Of(AgentRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var canonical = JsonSerializer.SerializeToUtf8Bytes(request with { IdempotencyKey = null, OnDisconnect = null }, ProtocolJson.Default.AgentRunRequest);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }
}
