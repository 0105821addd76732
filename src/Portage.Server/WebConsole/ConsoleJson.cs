using System.Text.Json.Serialization;

namespace Portage.Server.WebConsole;

/// <summary>Answer of <c>GET /console/bootstrap</c> (development, loopback only).</summary>
internal sealed record ConsoleBootstrap(string ApiKey, string SandboxId);

/// <summary>Source-generated JSON of the console's own endpoint; it is not part of the public API, so not in Protocol.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ConsoleBootstrap))]
internal sealed partial class ConsoleJson : JsonSerializerContext;
