using Portage.Core.Errors;

namespace Portage.Core.Providers;

/// <summary>The configured providers, keyed by name (case-insensitive).</summary>
public sealed class ProviderRegistry
{
    private readonly Dictionary<string, ProviderDefinition> _providers;

    /// <summary>Builds the registry; the last definition of a name wins, so tests and configuration can replace one.</summary>
    public ProviderRegistry(IEnumerable<ProviderDefinition> providers)
    {
        _providers = new Dictionary<string, ProviderDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            _providers[provider.Name] = provider;
        }
    }

    /// <summary>All configured providers, by name.</summary>
    public IReadOnlyCollection<ProviderDefinition> All => _providers.Values;

    /// <summary>The provider of that name, or 400 <c>unknown_provider</c> listing the configured ones.</summary>
    public ProviderDefinition Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw PortageException.BadRequest("unknown_provider", $"provider is required. Configured providers: {Names()}.");
        }

        return _providers.TryGetValue(name, out var provider)
            ? provider
            : throw PortageException.BadRequest("unknown_provider", $"Unknown provider '{name}'. Configured providers: {Names()}.");
    }

    private string Names() => string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal));
}
