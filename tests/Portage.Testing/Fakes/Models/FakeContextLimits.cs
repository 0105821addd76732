using System.Collections.Concurrent;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// The context windows a fake model enforces, in <see cref="WireTokens"/>, and what it saw: each request's input
/// against its model's limit, and every refusal. A model not listed takes <see cref="DefaultContextTokens"/>.
/// </summary>
public sealed class FakeContextLimits
{
    private readonly ConcurrentQueue<FakeInput> _inputs = new();
    private readonly ConcurrentQueue<string> _refusals = new();

    /// <summary>Context tokens by model id.</summary>
    public Dictionary<string, int> ContextTokens { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The context of a model <see cref="ContextTokens"/> does not list.</summary>
    public int DefaultContextTokens { get; init; } = 200_000;

    /// <summary>Every request answered or refused, in arrival order.</summary>
    public IReadOnlyList<FakeInput> Inputs => [.. _inputs];

    /// <summary>Every refusal's message, in arrival order.</summary>
    public IReadOnlyList<string> Refusals => [.. _refusals];

    /// <summary>The context of <paramref name="model"/>.</summary>
    public int Of(string model) => ContextTokens.TryGetValue(model, out var tokens) ? tokens : DefaultContextTokens;

    /// <summary>Records a request; true when it fits (its input, plus its max tokens when <paramref name="countOutput"/>).</summary>
    public bool Fits(string model, int input, int? maxTokens, bool countOutput)
    {
        var context = Of(model);
        _inputs.Enqueue(new FakeInput(model, input, maxTokens, context));
        return input + (countOutput ? maxTokens ?? 0 : 0) <= context;
    }

    /// <summary>Records a refusal and returns its message.</summary>
    public string Refuse(string message)
    {
        _refusals.Enqueue(message);
        return message;
    }
}

/// <summary>One request a fake model received: its model, input tokens, max tokens and the model's context.</summary>
public sealed record FakeInput(string Model, int InputTokens, int? MaxTokens, int ContextTokens);
