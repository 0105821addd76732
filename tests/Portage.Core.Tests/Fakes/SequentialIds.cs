using Portage.Core.Tenancy;

namespace Portage.Core.Tests.Fakes;

/// <summary>Ids a test can predict: <c>prefix_1</c>, <c>prefix_2</c>, …</summary>
internal sealed class SequentialIds : IIdGenerator
{
    private int _next;

    public string NewId(string prefix) => $"{prefix}_{Interlocked.Increment(ref _next)}";
}
