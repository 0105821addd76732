using Portage.Core.Providers;
using Portage.Testing;

namespace Portage.Server.Tests;

/// <summary>Test providers registered next to echo and mirror.</summary>
internal static class Providers
{
    public static ProviderDefinition Scripted(ScriptedChatClient client, string name = "scripted", int budget = 100_000) => new()
    {
        Name = name,
        Client = client,
        DefaultModel = name + "-model",
        ContextBudgetTokens = budget,
    };
}
