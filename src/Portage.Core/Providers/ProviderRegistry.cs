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

    /// <summary>
    /// The provider of that name, or 400 <c>unknown_provider</c> listing the configured ones apart from those that are
    /// known but lack credentials (a run on one of those is <c>provider_not_configured</c>, decided by the caller).
    /// </summary>
    public ProviderDefinition Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw PortageException.BadRequest("unknown_provider", $"provider is required. {Known()}");
        }

        return _providers.TryGetValue(name, out var provider)
            ? provider
            : throw PortageException.BadRequest("unknown_provider", $"Unknown provider '{name}'. {Known()}");
    }

    /// <summary>
    /// "Configured: echo, mirror. Not configured (set what each needs and restart the router): anthropic (set
    /// ANTHROPIC_API_KEY), …": a list that reads the same in an error, the CLI and the server log.
    /// </summary>
    public static string Describe(IEnumerable<(string Name, bool Configured, string Needs)> providers)
    {
        var all = providers.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var configured = all.Where(p => p.Configured).Select(p => p.Name).ToList();
        var missing = all.Where(p => !p.Configured).Select(p => $"{p.Name} (set {p.Needs})").ToList();
        var text = $"Configured: {(configured.Count == 0 ? "none" : string.Join(", ", configured))}.";
        return missing.Count == 0 ? text : $"{text} Not configured (set what each needs and restart the router): {string.Join(", ", missing)}.";
    }

    private string Known() => Describe(_providers.Values.Select(p => (p.Name, p.Configured, p.Needs)));
}
