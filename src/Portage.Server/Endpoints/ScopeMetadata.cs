using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>The API key scope an endpoint needs (<see cref="ApiKeyScopes"/>); <see cref="ApiKeyFilter"/> enforces it.</summary>
/// <param name="Scope"><c>admin</c> or <c>runs</c>.</param>
internal sealed record RequiredScope(string Scope);

internal static class ScopeMetadata
{
    /// <summary>
    /// Marks an endpoint or a group with the scope it needs. An endpoint without a mark needs <c>admin</c>, so a new
    /// endpoint is closed to runs keys until someone decides otherwise.
    /// </summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));
}
