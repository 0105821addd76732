using System.Security.Cryptography;
using System.Text;

namespace Portage.Core.Providers;

/// <summary>
/// The user id Portage gives a provider that keeps state per user (Vertex AI Agent Engine: its sessions, and the
/// memory an ADK agent keeps per user). End user ids are chosen by each tenant, so two sandboxes sharing an engine
/// could both have a <c>u-123</c>; the id is scoped by sandbox, after Copass's prefixes (<c>s_</c> sandbox,
/// <c>u_</c> user): <c>s_{sandbox_id}:u_{end_user_id}</c>. Sandbox ids never contain <c>:</c>, so the two parts never
/// run into each other. An id that would pass <see cref="MaxLength"/> characters names the end user by a hash instead:
/// <c>s_{sandbox_id}:h_{first 32 hex digits of SHA-256(end_user_id)}</c>.
/// </summary>
public static class ProviderUserIds
{
    /// <summary>The longest id given to a provider.</summary>
    public const int MaxLength = 128;

    /// <summary>The provider user id of <paramref name="endUserId"/> in <paramref name="sandboxId"/>.</summary>
    public static string For(string sandboxId, string endUserId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sandboxId);
        ArgumentException.ThrowIfNullOrEmpty(endUserId);
        var plain = $"s_{sandboxId}:u_{endUserId}";
        return plain.Length <= MaxLength
            ? plain
            : $"s_{sandboxId}:h_{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(endUserId)))[..32]}";
    }
}
