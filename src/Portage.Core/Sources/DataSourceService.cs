using Portage.Core.Errors;
using Portage.Core.Storage;
using Portage.Core.Tenancy;
using Portage.Protocol.Sources;

namespace Portage.Core.Sources;

/// <summary>
/// Data sources of a sandbox, durable and ephemeral (copass-compat §7.2): validation, the status rules and purge.
/// Callers have already authorized the sandbox. Status rules: pause and resume are refused (409 <c>source_closed</c>)
/// once an explicit archive or disconnect closed a source; archive and disconnect are idempotent; resume also brings
/// back a window archived for inactivity, as a run naming it would (rule 9).
/// </summary>
public sealed class DataSourceService(IDataSourceStore store, IEnumerable<IPurgeParticipant> participants, IIdGenerator ids, TimeProvider time)
{
    /// <summary>Shortest poll interval accepted.</summary>
    public const int MinPollIntervalSeconds = 60;

    /// <summary>Longest name accepted.</summary>
    public const int MaxNameLength = 255;

    private const int MaxProviderLength = 64;
    private const int MaxReferenceLength = 255;

    private static readonly string[] s_kinds = [SourceKind.Durable, SourceKind.Ephemeral];
    private static readonly string[] s_modes = [SourceIngestionMode.Realtime, SourceIngestionMode.Polling, SourceIngestionMode.Batch, SourceIngestionMode.Manual];
    private static readonly string[] s_statuses = [SourceStatus.Active, SourceStatus.Paused, SourceStatus.Disconnected, SourceStatus.Error, SourceStatus.Archived];

    /// <summary>Registers a source; <c>kind: ephemeral</c> makes a context window (bound to <c>end_user_id</c> when given).</summary>
    public async Task<DataSourceRecord> RegisterAsync(string sandboxId, RegisterDataSourceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kind = OneOf(request.Kind, "kind", s_kinds) ?? SourceKind.Durable;
        var provider = request.Provider?.Trim();
        if (string.IsNullOrEmpty(provider) || provider.Length > MaxProviderLength)
        {
            throw PortageException.BadRequest("invalid_provider",
                $"provider is required: where the content comes from, 1–{MaxProviderLength} characters, for example \"custom\" (content you ingest yourself, and context windows), \"github\" or \"slack\".");
        }

        var now = time.GetUtcNow();
        var name = ValidateName(request.Name ?? (kind == SourceKind.Ephemeral ? $"window-{now.ToUnixTimeMilliseconds()}" : null));
        string? endUserId = null;
        if (request.EndUserId is not null)
        {
            if (kind != SourceKind.Ephemeral)
            {
                throw PortageException.BadRequest("invalid_end_user_id",
                    "end_user_id binds a context window to an end user, so it needs kind: \"ephemeral\". Durable sources belong to the whole sandbox: omit end_user_id.");
            }

            endUserId = EndUserIds.Validate(request.EndUserId);
        }

        var source = new DataSourceRecord
        {
            Id = ids.NewId("ds"),
            SandboxId = sandboxId,
            Kind = kind,
            Provider = provider,
            Name = name,
            IngestionMode = OneOf(request.IngestionMode, "ingestion_mode", s_modes) ?? SourceIngestionMode.Manual,
            EndUserId = endUserId,
            ExternalAccountId = Reference(request.ExternalAccountId, "external_account_id"),
            AdapterConfigJson = AdapterConfig.ReadObject(request.AdapterConfig) ?? AdapterConfig.Empty,
            PollIntervalSeconds = PollInterval(request.PollIntervalSeconds),
            ProjectId = Reference(request.ProjectId, "project_id"),
            CreatedAt = now,
            LastActiveAt = now,
        };
        await store.CreateSourceAsync(source, cancellationToken);
        return source;
    }

    /// <summary>
    /// A page of the sandbox's sources matching the filters (each validated), newest activity first: at most
    /// <paramref name="limit"/>, after <paramref name="after"/> (the previous page's last source) when given.
    /// </summary>
    public Task<IReadOnlyList<DataSourceRecord>> ListAsync(
        string sandboxId, DataSourceFilter filter, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        OneOf(filter.Kind, "kind", s_kinds);
        OneOf(filter.Status, "status", s_statuses);
        if (filter.EndUserId is not null)
        {
            EndUserIds.Validate(filter.EndUserId);
        }

        return store.ListSourcesAsync(sandboxId, filter, after, limit, cancellationToken);
    }

    /// <summary>A source of the sandbox, or 404 <c>source_not_found</c>.</summary>
    public async Task<DataSourceRecord> GetAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        await store.GetSourceAsync(sandboxId, sourceId, cancellationToken) ?? throw NotFound(sourceId);

    /// <summary>
    /// Changes the given (non-null) fields. <c>adapter_config</c> replaces the settings, or is deep-merged into them when
    /// <paramref name="mergeAdapterConfig"/>; an empty <c>external_account_id</c> or <c>project_id</c> clears it.
    /// </summary>
    public async Task<DataSourceRecord> UpdateAsync(
        string sandboxId, string sourceId, UpdateDataSourceRequest request, bool mergeAdapterConfig, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name is null ? null : ValidateName(request.Name);
        var mode = OneOf(request.IngestionMode, "ingestion_mode", s_modes);
        var external = Reference(request.ExternalAccountId, "external_account_id");
        var project = Reference(request.ProjectId, "project_id");
        var config = AdapterConfig.ReadObject(request.AdapterConfig);
        var poll = PollInterval(request.PollIntervalSeconds);
        return await store.UpdateSourceAsync(sandboxId, sourceId, current => current with
        {
            Name = name ?? current.Name,
            IngestionMode = mode ?? current.IngestionMode,
            ExternalAccountId = request.ExternalAccountId is null ? current.ExternalAccountId : external,
            ProjectId = request.ProjectId is null ? current.ProjectId : project,
            AdapterConfigJson = config is null ? current.AdapterConfigJson
                : mergeAdapterConfig ? AdapterConfig.Merge(current.AdapterConfigJson, config) : config,
            PollIntervalSeconds = poll ?? current.PollIntervalSeconds,
        }, cancellationToken) ?? throw NotFound(sourceId);
    }

    /// <summary>Pauses a source (idempotent); a paused window is not used by runs until resumed.</summary>
    public Task<SourceStatusChange> PauseAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        ChangeStatusAsync(sandboxId, sourceId, current => current.Status switch
        {
            SourceStatus.Paused => current,
            _ when current.IsClosedExplicitly => throw Closed(current, "paused"),
            _ => current with { Status = SourceStatus.Paused, ArchivedReason = null },
        }, cancellationToken);

    /// <summary>Makes a paused, failed or inactivity-archived source active again (idempotent).</summary>
    public Task<SourceStatusChange> ResumeAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        ChangeStatusAsync(sandboxId, sourceId, current => current.Status switch
        {
            SourceStatus.Active => current,
            _ when current.IsClosedExplicitly => throw Closed(current, "resumed"),
            _ => current with { Status = SourceStatus.Active, ArchivedReason = null },
        }, cancellationToken);

    /// <summary>Archives a source at once (rule 9; idempotent). An archived window keeps its turns.</summary>
    public Task<SourceStatusChange> ArchiveAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        CloseAsync(sandboxId, sourceId, SourceStatus.Archived, cancellationToken);

    /// <summary>Disconnects a source (a Copass <c>window.close()</c>); terminal, like an explicit archive.</summary>
    public Task<SourceStatusChange> DisconnectAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        CloseAsync(sandboxId, sourceId, SourceStatus.Disconnected, cancellationToken);

    /// <summary>
    /// Deletes the registration only: its indexed content stays (purge deletes content). A source that turns, sessions
    /// or runs refer to (a used context window) gets 409 <c>source_has_history</c>.
    /// </summary>
    public async Task DeleteAsync(string sandboxId, string sourceId, CancellationToken cancellationToken)
    {
        switch (await store.DeleteSourceAsync(sandboxId, sourceId, cancellationToken))
        {
            case SourceDeletion.NotFound:
                throw NotFound(sourceId);
            case SourceDeletion.HasHistory:
                throw PortageException.Conflict("source_has_history",
                    $"Data source '{sourceId}' is a context window with turns, sessions or runs; DELETE removes a registration only. " +
                    $"Delete its history with it through POST …/sources/{sourceId}/purge {{\"delete_source\": true}}, or archive it.");
        }
    }

    /// <summary>
    /// Deletes a source's content: a window's turns and sessions, then what every <see cref="IPurgeParticipant"/> keeps
    /// for it (indexed chunks, delivery ledger), and with <paramref name="deleteSource"/> its runs and the registration.
    /// 409 <c>run_in_progress</c> while a run uses the window.
    /// </summary>
    public async Task<SourcePurge> PurgeAsync(string sandboxId, string sourceId, bool deleteSource, CancellationToken cancellationToken)
    {
        var source = await GetAsync(sandboxId, sourceId, cancellationToken);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var content = Checked(await store.PurgeSourceAsync(sandboxId, sourceId, deleteSource: false, time.GetUtcNow(), cancellationToken), sourceId);
        Add(counts, "turns_deleted", content.TurnsDeleted);
        Add(counts, "sessions_deleted", content.SessionsDeleted);
        Add(counts, "runs_deleted", 0);
        foreach (var participant in participants)
        {
            foreach (var (name, count) in await participant.PurgeAsync(source, cancellationToken))
            {
                Add(counts, name, count);
            }
        }

        if (!deleteSource)
        {
            return new SourcePurge(counts, SourceDeleted: false);
        }

        // Last, so a failing participant leaves the source in place and the purge can be retried; turns a run added
        // meanwhile go with it.
        var registration = Checked(await store.PurgeSourceAsync(sandboxId, sourceId, deleteSource: true, time.GetUtcNow(), cancellationToken), sourceId);
        Add(counts, "turns_deleted", registration.TurnsDeleted);
        Add(counts, "sessions_deleted", registration.SessionsDeleted);
        Add(counts, "runs_deleted", registration.RunsDeleted);
        return new SourcePurge(counts, registration.SourceDeleted);
    }

    private async Task<SourceStatusChange> CloseAsync(string sandboxId, string sourceId, string status, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(sandboxId, sourceId, current => current.IsClosedExplicitly
            ? current
            : current with { Status = status, ArchivedReason = ArchiveReason.Explicit }, cancellationToken);

    private async Task<SourceStatusChange> ChangeStatusAsync(
        string sandboxId, string sourceId, Func<DataSourceRecord, DataSourceRecord> change, CancellationToken cancellationToken)
    {
        DataSourceRecord? before = null;
        var after = await store.UpdateSourceAsync(sandboxId, sourceId, current =>
        {
            before = current;
            return change(current);
        }, cancellationToken) ?? throw NotFound(sourceId);
        var changed = before is not null && before.Status != after.Status;
        var message = changed
            ? $"Source {sourceId} is {after.Status}{(after.IsEphemeral && after.Status != SourceStatus.Active ? "; its turns stay readable" : "")}."
            : $"Source {sourceId} was already {after.Status}.";
        return new SourceStatusChange(after, changed, message);
    }

    private static SourcePurgeResult Checked(SourcePurgeResult result, string sourceId) => result.Outcome switch
    {
        SourcePurgeOutcome.NotFound => throw NotFound(sourceId),
        SourcePurgeOutcome.RunInProgress => throw PortageException.Conflict("run_in_progress",
            $"Context window '{sourceId}' has a run in progress; purge it after the run's agent_finish."),
        _ => result,
    };

    private static void Add(Dictionary<string, long> counts, string name, long count) =>
        counts[name] = counts.GetValueOrDefault(name) + count;

    private static string ValidateName(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength)
        {
            throw PortageException.BadRequest("invalid_name", $"name is required: 1–{MaxNameLength} characters.");
        }

        return trimmed;
    }

    private static string? OneOf(string? value, string field, string[] allowed)
    {
        if (value is null)
        {
            return null;
        }

        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            throw PortageException.BadRequest($"invalid_{field}", $"{field} is '{value}'; use one of: {string.Join(", ", allowed)}.");
        }

        return value;
    }

    private static int? PollInterval(int? seconds)
    {
        if (seconds is < MinPollIntervalSeconds)
        {
            throw PortageException.BadRequest("invalid_poll_interval_seconds",
                $"poll_interval_seconds is {seconds}; the shortest interval is {MinPollIntervalSeconds} seconds.");
        }

        return seconds;
    }

    // Optional references to things outside Portage: trimmed, empty means none, bounded so they stay identifiers.
    private static string? Reference(string? value, string field)
    {
        var trimmed = value?.Trim();
        if (trimmed?.Length > MaxReferenceLength)
        {
            throw PortageException.BadRequest($"invalid_{field}", $"{field} is {trimmed.Length} characters long; the limit is {MaxReferenceLength}.");
        }

        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    private static PortageException Closed(DataSourceRecord source, string verb) =>
        PortageException.Conflict("source_closed",
            $"Data source '{source.Id}' was {source.Status} explicitly and cannot be {verb}; archive and disconnect are final. " +
            "Its data stays readable; register a new source (POST …/sources) to go on.");

    private static PortageException NotFound(string sourceId) =>
        PortageException.NotFound("source_not_found", $"No data source '{sourceId}' in this sandbox. List them with GET …/sources.");
}

/// <summary>The result of a status call.</summary>
/// <param name="Source">The source after the call.</param>
/// <param name="Changed">False when it already had that status (the call is idempotent).</param>
/// <param name="Message">What happened, for the <c>StatusResponse</c>.</param>
public sealed record SourceStatusChange(DataSourceRecord Source, bool Changed, string Message);

/// <summary>What a purge deleted.</summary>
/// <param name="Counts">By wire name: <c>turns_deleted</c>, <c>sessions_deleted</c>, <c>runs_deleted</c>, and each participant's.</param>
/// <param name="SourceDeleted">Whether the registration was deleted too.</param>
public sealed record SourcePurge(IReadOnlyDictionary<string, long> Counts, bool SourceDeleted);
