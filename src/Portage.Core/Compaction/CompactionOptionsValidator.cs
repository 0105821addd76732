using Microsoft.Extensions.Options;
using Portage.Core.Providers;

namespace Portage.Core.Compaction;

/// <summary>
/// Checks the <c>Compaction</c> settings at start: values in range, and a <c>Compaction:Provider</c> that this router
/// has and can call. A summariser that could never answer would silently turn every compaction into truncation, so
/// the start stops instead, saying what to set.
/// </summary>
public sealed class CompactionOptionsValidator(ProviderRegistry providers) : IValidateOptions<CompactionOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, CompactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            return ValidateOptionsResult.Fail(problem);
        }

        if (string.IsNullOrWhiteSpace(options.Provider))
        {
            return ValidateOptionsResult.Success;
        }

        var provider = providers.All.FirstOrDefault(p => string.Equals(p.Name, options.Provider, StringComparison.OrdinalIgnoreCase));
        return provider switch
        {
            null => ValidateOptionsResult.Fail(
                $"Compaction:Provider is '{options.Provider}', a provider this router does not have; leave it empty to summarise with each run's own provider. {ProviderRegistry.Describe(providers.All.Select(p => (p.Name, p.Configured, p.Needs)))}"),
            { Configured: false } => ValidateOptionsResult.Fail(
                $"Compaction:Provider is '{provider.Name}', which is not configured: set {provider.Needs}, or leave Compaction:Provider empty to summarise with each run's own provider."),
            _ => ValidateOptionsResult.Success,
        };
    }
}
