using System.Text.Json;
using System.Text.Json.Serialization;
using Portage.Protocol.Accounting;
using Portage.Protocol.Ingest;
using Portage.Protocol.Providers;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Runs;
using Portage.Protocol.Sources;
using Portage.Protocol.Tenancy;

namespace Portage.Protocol;

/// <summary>
/// The one JSON context of the wire: snake_case names, source-generated. Null values are written (Copass clients expect
/// <c>"session_id": null</c>), except where a property opts out.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(AgentRunRequest))]
[JsonSerializable(typeof(RunStarted))]
[JsonSerializable(typeof(ContextCompacted))]
[JsonSerializable(typeof(AgentTextDelta))]
[JsonSerializable(typeof(AgentToolCall))]
[JsonSerializable(typeof(AgentToolResult))]
[JsonSerializable(typeof(AgentFinish))]
[JsonSerializable(typeof(AgentError))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(Sandbox))]
[JsonSerializable(typeof(SandboxList))]
[JsonSerializable(typeof(CreateSandboxRequest))]
[JsonSerializable(typeof(UpdateSandboxRequest))]
[JsonSerializable(typeof(SandboxLimits))]
[JsonSerializable(typeof(EndUserLimits))]
[JsonSerializable(typeof(BudgetDenialList))]
[JsonSerializable(typeof(CreditBalance))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyInfo>))]
[JsonSerializable(typeof(RevokedApiKey))]
[JsonSerializable(typeof(DataSource))]
[JsonSerializable(typeof(DataSourceList))]
[JsonSerializable(typeof(SweepResponse))]
[JsonSerializable(typeof(RegisterDataSourceRequest))]
[JsonSerializable(typeof(UpdateDataSourceRequest))]
[JsonSerializable(typeof(PurgeDataSourceRequest))]
[JsonSerializable(typeof(PurgeResponse))]
[JsonSerializable(typeof(CompactWindowRequest))]
[JsonSerializable(typeof(CompactWindowResponse))]
[JsonSerializable(typeof(WindowTurnList))]
[JsonSerializable(typeof(WindowDeliveryList))]
[JsonSerializable(typeof(ProviderList))]
[JsonSerializable(typeof(RetrievalRequest))]
[JsonSerializable(typeof(OriginsRequest))]
[JsonSerializable(typeof(DiscoverResponse))]
[JsonSerializable(typeof(InterpretResponse))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(OriginsResponse))]
[JsonSerializable(typeof(IngestTextRequest))]
[JsonSerializable(typeof(IngestJobResponse))]
[JsonSerializable(typeof(IngestJobStatus))]
[JsonSerializable(typeof(RunInfo))]
[JsonSerializable(typeof(RunList))]
[JsonSerializable(typeof(EndUserList))]
[JsonSerializable(typeof(UsageSummary))]
public sealed partial class ProtocolJson : JsonSerializerContext
{
    /// <summary>
    /// The context used for writing: like <see cref="JsonSerializerContext"/>'s default, but without escaping
    /// non-ASCII text and quotes as <c>\uXXXX</c>, so frames stay readable. Safe because the wire is JSON, never HTML.
    /// </summary>
    public static ProtocolJson Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
