using Microsoft.Extensions.AI;
using Portage.Core.Tenancy;

namespace Portage.Core.Tools;

/// <summary>A tool the router executes server-side when a model asks for it, registered with <c>AddTool</c>.</summary>
/// <param name="Function">The tool: name, description, JSON schema of its arguments, and the code that runs it.</param>
/// <param name="OfferedWhen">When set, the tool is offered only to runs for which it answers true (e.g. retrieval tools
/// only where the sandbox has content), so requests carry no tool that cannot help.</param>
public sealed record PortageTool(AIFunction Function, Func<RunScope, CancellationToken, Task<bool>>? OfferedWhen = null);

/// <summary>
/// The tools offered to every run. A model's tool call is looked up here by name; an unknown name becomes a failed
/// tool result (<c>error</c>, <c>result: {}</c>) that the model sees, never a failed run.
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, PortageTool> _tools;

    /// <summary>Builds the registry; the last tool of a name wins.</summary>
    public ToolRegistry(IEnumerable<PortageTool> tools)
    {
        _tools = new Dictionary<string, PortageTool>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            _tools[tool.Function.Name] = tool;
        }
    }

    /// <summary>All tools, in name order (so requests to providers are stable).</summary>
    public IReadOnlyList<AIFunction> All => [.. _tools.Values.Select(t => t.Function).OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>The tools offered to one run, in name order.</summary>
    public async Task<IReadOnlyList<AIFunction>> OfferedAsync(RunScope context, CancellationToken cancellationToken)
    {
        // Tools sharing one condition (the retrieval tools) have it evaluated once per run.
        var answers = new Dictionary<Func<RunScope, CancellationToken, Task<bool>>, bool>();
        var offered = new List<AIFunction>();
        foreach (var tool in _tools.Values.OrderBy(t => t.Function.Name, StringComparer.Ordinal))
        {
            if (tool.OfferedWhen is { } condition)
            {
                if (!answers.TryGetValue(condition, out var holds))
                {
                    answers[condition] = holds = await condition(context, cancellationToken);
                }

                if (!holds)
                {
                    continue;
                }
            }

            offered.Add(tool.Function);
        }

        return offered;
    }

    /// <summary>The tool of that name, or null.</summary>
    public AIFunction? Find(string name) => _tools.GetValueOrDefault(name)?.Function;
}
