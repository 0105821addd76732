using System.Text.Json;
using Portage.Core.Compaction;
using Portage.Core.Retrieval;
using Portage.Core.Sources;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Sources;

namespace Portage.Server.Endpoints;

/// <summary>Stored data sources, turns and ledger entries as wire records.</summary>
internal static class SourceDtos
{
    public static DataSource ToDto(DataSourceRecord s, string accountId) => new()
    {
        DataSourceId = s.Id,
        UserId = accountId,
        SandboxId = s.SandboxId,
        Provider = s.Provider,
        Name = s.Name,
        IngestionMode = s.IngestionMode,
        Status = s.Status,
        Kind = s.Kind,
        ExternalAccountId = s.ExternalAccountId,
        AdapterConfig = Parse(s.AdapterConfigJson),
        PollIntervalSeconds = s.PollIntervalSeconds,
        WebhookUrl = s.WebhookUrl,
        LastSyncAt = s.LastSyncAt,
        CreatedAt = s.CreatedAt,
        ProjectId = s.ProjectId,
        EndUserId = s.EndUserId,
        LastActiveAt = s.LastActiveAt,
        TurnCount = s.IsEphemeral ? s.TurnCount : null,
        ArchivedReason = s.ArchivedReason,
    };

    public static PurgeResponse ToDto(SourcePurge purge) => new()
    {
        Success = true,
        DeleteSourceApplied = purge.SourceDeleted,
        EventsDeleted = purge.Counts.GetValueOrDefault("turns_deleted"),
        ExtractionsDeleted = purge.Counts.GetValueOrDefault("chunks_deleted"),
        Counts = purge.Counts.ToDictionary(c => c.Key, c => JsonSerializer.SerializeToElement(c.Value, ProtocolJson.Default.Int64), StringComparer.Ordinal),
    };

    public static WindowTurn ToDto(TurnRecord t) => new()
    {
        Seq = t.Seq,
        Role = t.Role,
        Speaker = t.Speaker,
        Text = t.Text,
        Provider = t.Provider,
        Model = t.Model,
        RunId = t.RunId,
        Status = t.Status,
        CreatedAt = t.CreatedAt,
        TokenEstimate = t.TokenEstimate,
        Parts = [.. t.Parts.Select(p => new TurnPartDto
        {
            Type = p.Type,
            Text = p.Text,
            CallId = p.CallId,
            Name = p.Name,
            Arguments = Parse(p.ArgumentsJson),
            Result = Parse(p.ResultJson),
            Error = p.Error,
            Compaction = p.Compacts is { } c ? new CompactionInfo(c.FromSeq, c.ToSeq, c.TokensBefore, c.TokensAfter) : null,
        })],
    };

    public static CompactWindowResponse ToDto(string windowId, ForcedCompaction done) => new()
    {
        ContextWindowId = windowId,
        Compacted = done.Compacted,
        SummarySeq = done.SummarySeq,
        ReplacedFromSeq = done.Plan?.FromSeq,
        ReplacedToSeq = done.Plan?.ToSeq,
        TokensBefore = done.TokensBefore,
        TokensAfter = done.TokensAfter,
        Provider = done.Plan?.Summary.Provider,
        Model = done.Plan?.Summary.Model,
        Summary = done.Plan?.Summary.Text,
    };

    public static WindowDelivery ToDto(LedgerEntry e) => new()
    {
        CanonicalId = e.CanonicalId,
        Kind = e.IsMenu ? "menu" : "content",
        RunId = e.RunId,
        DeliveredAt = e.DeliveredAt,
        Summary = e.Chunk?.Breadcrumb,
        FilePath = e.Chunk?.FilePath,
        DataSourceId = e.Chunk?.DataSourceId,
        SourceType = e.Chunk?.SourceType,
        EvictedAt = e.EvictedAt,
    };

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
