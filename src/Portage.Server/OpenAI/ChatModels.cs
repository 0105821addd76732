using Portage.Core.Errors;
using Portage.Core.Providers;

namespace Portage.Server.OpenAI;

/// <summary>
/// The <c>model</c> of the OpenAI-compatible routes: <c>provider/model</c> (<c>anthropic/claude-sonnet-4-6</c>,
/// <c>ollama/llama3.2:latest</c>; everything after the first <c>/</c> is the provider's model id, slashes included), or a
/// provider's name alone for its default model (<c>echo</c>).
/// </summary>
internal static class ChatModels
{
    /// <summary>The provider's name and the model id (empty for the provider's default); 404 <c>model_not_found</c> for a provider the router does not know.</summary>
    public static (string Provider, string Model) Split(ProviderRegistry registry, string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw OpenAIRequestException.BadRequest("invalid_model",
                "model is required: provider/model, for example \"echo/echo-1\" or \"anthropic/claude-sonnet-4-6\", or a provider's name alone for its default model. GET /v1/models lists them.", "model");
        }

        var slash = model.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? model : model[..slash];
        var provider = registry.All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new OpenAIRequestException(ErrorKind.NotFound, "model_not_found",
                $"The model '{model}' does not exist: model is provider/model (for example \"echo/echo-1\"), and this router has no provider '{name}'. " +
                "GET /v1/models lists the configured models.", "model");
        return (provider.Name, slash < 0 ? "" : model[(slash + 1)..]);
    }

    /// <summary>Every configured provider's default and listed models as <c>provider/model</c>, by provider name.</summary>
    public static IEnumerable<(string Id, string Provider)> List(ProviderRegistry registry) =>
        registry.All.Where(p => p.Configured).OrderBy(p => p.Name, StringComparer.Ordinal)
            .SelectMany(p => new[] { p.DefaultModel }.Concat(p.Models).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Select(m => ($"{p.Name}/{m}", p.Name)));
}
