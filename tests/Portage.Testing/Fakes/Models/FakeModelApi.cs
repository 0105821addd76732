using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// A provider API modelled by a fake: set <see cref="Answer(RecordedRequest)"/> as a
/// <see cref="FakeProviderServer.Responder"/>; it enforces <see cref="Limits"/> and answers as <see cref="FakeTurn"/> does.
/// </summary>
public abstract class FakeModelApi
{
    /// <summary>The context windows it enforces and the requests it saw.</summary>
    public FakeContextLimits Limits { get; init; } = new();

    /// <summary>The answer to one request.</summary>
    public FakeResponse Answer(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Answer(JsonNode.Parse(request.Body)!.AsObject(), request.PathAndQuery);
    }

    /// <summary>The answer to a request of <paramref name="body"/> sent to <paramref name="path"/>.</summary>
    protected abstract FakeResponse Answer(JsonObject body, string path);
}
