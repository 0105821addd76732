using Microsoft.Extensions.AI;

namespace Portage.Core.Tools;

/// <summary>A tool the router executes server-side when a model asks for it, registered with <c>AddTool</c>.</summary>
/// <param name="Function">The tool: name, description, JSON schema of its arguments, and the code that runs it.</param>
public sealed record PortageTool(AIFunction Function);

/// <summary>
/// The tools offered to every run. A model's tool call is looked up here by name; an unknown name becomes a failed
/// tool result (<c>error</c>, <c>result: {}</c>) that the model sees, never a failed run.
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, AIFunction> _tools;

    /// <summary>Builds the registry; the last tool of a name wins.</summary>
    public ToolRegistry(IEnumerable<PortageTool> tools)
    {
        _tools = new Dictionary<string, AIFunction>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            _tools[tool.Function.Name] = tool.Function;
        }
    }

    /// <summary>All tools, in name order (so requests to providers are stable).</summary>
    public IReadOnlyList<AIFunction> All => [.. _tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>The tool of that name, or null.</summary>
    public AIFunction? Find(string name) => _tools.GetValueOrDefault(name);
}
