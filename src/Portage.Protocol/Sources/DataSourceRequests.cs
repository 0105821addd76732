using System.Text.Json;

namespace Portage.Protocol.Sources;

/// <summary>
/// Body of <c>POST …/sources</c> (copass-compat §7.2). A Copass <c>contextWindow.create</c> sends
/// <c>{"provider":"custom","name":…,"ingestion_mode":"manual","kind":"ephemeral"}</c>.
/// </summary>
public sealed record RegisterDataSourceRequest
{
    /// <summary>Required: <c>custom</c>, <c>github</c>, <c>slack</c>, …</summary>
    public string? Provider { get; init; }

    /// <summary>1–255 characters; optional for <c>kind: ephemeral</c> (default <c>window-&lt;epoch ms&gt;</c>).</summary>
    public string? Name { get; init; }

    /// <summary><c>realtime</c>, <c>polling</c>, <c>batch</c> or <c>manual</c> (default).</summary>
    public string? IngestionMode { get; init; }

    /// <summary><c>durable</c> (default) or <c>ephemeral</c> (a context window).</summary>
    public string? Kind { get; init; }

    /// <summary>The account at the provider.</summary>
    public string? ExternalAccountId { get; init; }

    /// <summary>Adapter settings: a JSON object.</summary>
    public JsonElement? AdapterConfig { get; init; }

    /// <summary>Seconds between pulls, at least 60.</summary>
    public int? PollIntervalSeconds { get; init; }

    /// <summary>Portage: binds a context window to this end user at once (else its first run does).</summary>
    public string? EndUserId { get; init; }

    /// <summary>Portage: the project the source's content is filed under.</summary>
    public string? ProjectId { get; init; }
}

/// <summary>
/// Body of <c>PATCH …/sources/{id}</c>: only the fields given (non-null) change. <c>adapter_config</c> replaces the
/// settings, or with <c>?merge_adapter_config=true</c> is deep-merged into them (objects merge key by key, a null
/// value removes its key, anything else replaces).
/// </summary>
public sealed record UpdateDataSourceRequest
{
    /// <summary>New name, 1–255 characters.</summary>
    public string? Name { get; init; }

    /// <summary>New ingestion mode.</summary>
    public string? IngestionMode { get; init; }

    /// <summary>New external account.</summary>
    public string? ExternalAccountId { get; init; }

    /// <summary>New (or, merged, additional) adapter settings: a JSON object.</summary>
    public JsonElement? AdapterConfig { get; init; }

    /// <summary>New poll interval, at least 60 seconds.</summary>
    public int? PollIntervalSeconds { get; init; }

    /// <summary>Portage: new project.</summary>
    public string? ProjectId { get; init; }
}

/// <summary>Body of <c>POST …/sources/{id}/purge</c> (optional).</summary>
public sealed record PurgeDataSourceRequest
{
    /// <summary>Also delete the registration (and the window's run records) after its content.</summary>
    public bool? DeleteSource { get; init; }
}
