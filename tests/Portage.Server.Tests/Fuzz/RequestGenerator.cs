using System.Text;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// Generates requests over every public endpoint (src/Portage.Server/Endpoints, <c>/mcp</c>, <c>/metrics</c>, the console,
/// <c>/healthz</c>, unknown paths), each sent by one of the two tenants or by nobody, naming its own resources, the other
/// tenant's or hostile ids, with hostile bodies, content types, methods and headers. Destructive calls (rename, pause,
/// archive, purge, delete, revoke, close) only ever name spare resources, the other tenant's, or garbage, so the
/// marked data stays in place for the whole run.
/// </summary>
internal sealed partial class RequestGenerator(FuzzWorld world, Random random)
{
    private static readonly string[] s_contentTypes =
    [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
        "APPLICATION/JSON", "application/json;;;", "application/vnd.api+json", "*/*", "garbage", "application/json; charset=\"",
    ];

    private static readonly string[] s_methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"];

    private int _serial;

    // A clean request is well formed, in the caller's own sandbox, with the caller's key: it gets past validation, so
    // its answer has data in it, and the ids it names (another end user's, the other tenant's) are what is tested.
    private bool _clean;

    public FuzzRequest Next()
    {
        var me = random.Pick(world.Tenants);
        var them = world.Other(me);
        _clean = random.Chance(0.3);
        var ids = new Ids(world, me, them, random, _clean);
        var request = random.Next(100) switch
        {
            < 14 => Run(ids),
            < 17 => RunList(ids),
            < 19 => Get("GET …/agents/runs/{id}", ids.SandboxPath($"/agents/runs/{ids.Segment(ids.RunId())}")),
            < 21 => Events(ids),
            < 22 => Post("POST …/agents/runs/{id}/cancel", ids.SandboxPath($"/agents/runs/{ids.Segment(ids.RunId())}/cancel")),
            < 23 => Get("GET …/end-users", ids.SandboxPath("/end-users")),
            < 27 => Sandboxes(ids),
            < 31 => ApiKeys(ids),
            < 36 => RegisterSource(ids),
            < 39 => Get("GET …/sources", ids.SandboxPath("/sources" + Query(
                ("provider", () => random.Pick("custom", "github", Hostile.Text(random))),
                ("status", () => random.Pick("active", "paused", "archived", Hostile.Text(random))),
                ("kind", () => random.Pick("ephemeral", "durable", Hostile.Text(random))),
                ("end_user_id", ids.EndUserId))), Scope.Tenant, "end_user_id"),
            < 40 => Post("POST …/sources/_sweep_ephemeral", ids.SandboxPath("/sources/_sweep_ephemeral" + Query(("inactivity_seconds", () => Hostile.Number(random))))),
            < 43 => Get("GET …/sources/{id}", ids.SandboxPath($"/sources/{ids.Segment(ids.AnySourceId())}")),
            < 46 => UpdateSource(ids),
            < 48 => new FuzzRequest { Endpoint = "DELETE …/sources/{id}", Method = HttpMethod.Delete, Path = ids.SandboxPath($"/sources/{ids.DestructiveSegment(ids.SpareSourceId())}"), Scope = Scope.Tenant },
            < 51 => SourceStatus(ids),
            < 53 => Purge(ids),
            < 58 => Get("GET …/sources/{id}/turns", ids.SandboxPath($"/sources/{ids.Segment(ids.AnySourceId())}/turns" + Query(("end_user_id", ids.EndUserId))), Scope.Tenant, "end_user_id"),
            < 64 => Ingest(ids),
            < 66 => Get("GET …/ingest/{job}", ids.SandboxPath($"/ingest/{ids.Segment(ids.JobId())}")),
            < 67 => Get("GET /api/v1/providers", "/api/v1/providers"),
            < 77 => Query(ids),
            < 80 => Origins(ids),
            < 83 => Usage(ids),
            < 95 => Mcp(ids),
            < 96 => Get("GET /metrics", "/metrics"),
            < 98 => Get("GET console", random.Pick("/", "/index.html", "/app.js", "/console/bootstrap", "/favicon.ico", "/healthz", "/%2e%2e/appsettings.json", "/../appsettings.json", "/console/" + Hostile.Segment(random))),
            _ => Get("unknown path", random.Pick("/api/v1/", "/api/v2/", "/api/v1/storage/", "/api/v1/storage/sandboxes/x/y/z/w", "/healthz/" + Hostile.Segment(random), "/" + Hostile.Segment(random), "/api/v1/" + Hostile.Segment(random) + "/" + Hostile.Segment(random))),
        };
        if (_clean)
        {
            request.Authorization ??= "Bearer " + me.ApiKey;
            request.Tricks.Add("clean");
        }
        else
        {
            request.Authorization ??= Authorization(me, them, request.Tricks);
            Harden(request, me);
        }

        _serial++;
        return request;
    }

    private FuzzRequest Run(Ids ids)
    {
        var message = random.Next(10) switch
        {
            < 4 => "Tell me about frost alerts, please.",
            4 => "/discover frost alerts",
            5 => "/search when do frost alerts fire",
            6 => "/interpret frost sensors",
            _ => Hostile.Text(random),
        };
        var messages = random.Next(10) switch
        {
            0 => "[]",
            1 => $"[{Message("assistant", message)}]",
            2 => $"[{Message("user", message)},{Message("user", Hostile.Text(random))}]",
            3 => $"[{Message(Hostile.Text(random), message)}]",
            _ => $"[{Message("user", message)}]",
        };
        var body = new JsonDraft()
            .Str("provider", random.Chance(0.85) ? random.Pick("echo", "mirror") : random.Pick("openai", "anthropic", "google", "nope", Hostile.Text(random)))
            .Str("model", random.Chance(0.7) ? "" : random.Pick("echo-1", Hostile.Text(random)))
            .Str("system_prompt", random.Chance(0.8) ? "You are a helpful agent." : Hostile.Text(random))
            .Raw("messages", messages);
        Maybe(body, 0.9, "end_user_id", ids.EndUserId);
        Maybe(body, 0.2, "session_id", ids.SessionId);
        Maybe(body, 0.25, "context_window_id", ids.AnySourceId);
        Maybe(body, 0.05, "reasoning_engine_id", () => Hostile.Text(random));
        Maybe(body, 0.05, "location", () => Hostile.Text(random));
        // Another end user's or tenant's key must start a new run, never join theirs.
        Maybe(body, 0.25, "idempotency_key", () => random.Chance(0.8) ? ids.IdempotencyKey() : Hostile.Text(random));
        Maybe(body, 0.1, "on_disconnect", () => random.Pick("cancel", "continue", Hostile.Text(random)));
        if (random.Chance(0.1))
        {
            body.Raw("new_window", random.Pick("true", "false", "\"yes\"", "1"));
        }

        if (random.Chance(0.1))
        {
            body.Raw("max_tokens", Hostile.Number(random));
        }

        return WithBody("POST …/agents/run", HttpMethod.Post, ids.SandboxPath("/agents/run"), body, scopeFromBody: true);
    }

    // A run's frames replayed from the event log, from a Last-Event-ID (header or query) that may be anyone's or garbage.
    private FuzzRequest Events(Ids ids)
    {
        var runId = ids.RunId();
        string LastEventId() => random.Pick($"{runId}:{random.Next(0, 5)}", $"{ids.RunId()}:1", $"{runId}:{Hostile.Number(random)}", Hostile.Text(random));
        var request = Get("GET …/agents/runs/{id}/events", ids.SandboxPath($"/agents/runs/{ids.Segment(runId)}/events" + Query(("last_event_id", LastEventId))));
        if (random.Chance(0.4))
        {
            request.Headers["Last-Event-ID"] = LastEventId().Replace('\r', ' ').Replace('\n', ' ');
        }

        return request;
    }

    private FuzzRequest SourceStatus(Ids ids)
    {
        var action = random.Pick("pause", "resume", "archive", "disconnect");
        return Post($"POST …/sources/{{id}}/{action}", ids.SandboxPath($"/sources/{ids.Segment(ids.SpareSourceId())}/{action}"));
    }

    private FuzzRequest RunList(Ids ids) => Get("GET …/agents/runs", ids.SandboxPath("/agents/runs" + Query(
        ("context_window_id", ids.AnySourceId),
        ("status", () => random.Pick("running", "succeeded", "interrupted", Hostile.Text(random))),
        ("end_user_id", ids.EndUserId),
        ("limit", () => random.Pick("1", "200", Hostile.Number(random))),
        ("cursor", () => random.Pick(
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{random.NextInt64()}:{ids.RunId()}")).TrimEnd('='),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Hostile.Text(random))),
            Hostile.Text(random))))), Scope.Tenant, "end_user_id");

    private FuzzRequest Sandboxes(Ids ids) => random.Next(3) switch
    {
        0 => WithBody("POST /api/v1/storage/sandboxes", HttpMethod.Post, "/api/v1/storage/sandboxes", new JsonDraft()
            .Str("name", random.Chance(0.5) ? $"fuzz-{_serial}" : random.Pick("default", Hostile.Text(random)))
            .Str("owner_id", random.Chance(0.5) ? null : random.Pick(ids.Me.AccountId, ids.Them.AccountId, Hostile.Text(random)))
            .Str("tier", random.Chance(0.7) ? null : random.Pick("free", "pro", Hostile.Text(random)))
            .Raw("metadata", random.Chance(0.7) ? "{\"team\":\"fuzz\"}" : Hostile.AnyJson(random))),
        1 => Get("GET /api/v1/storage/sandboxes", "/api/v1/storage/sandboxes" + Query(("status", () => random.Pick("active", Hostile.Text(random))))),
        _ => Get("GET /api/v1/storage/sandboxes/{id}", ids.SandboxPath("")),
    };

    private FuzzRequest ApiKeys(Ids ids) => random.Next(3) switch
    {
        0 => WithBody("POST /api/v1/api-keys", HttpMethod.Post, "/api/v1/api-keys", new JsonDraft()
            .Str("name", random.Chance(0.6) ? $"fuzz key {_serial}" : Hostile.Text(random))
            .Raw("expires_in_days", random.Chance(0.6) ? "30" : Hostile.Number(random))
            .Str("scope", random.Chance(0.5) ? null : random.Pick("admin", "runs", Hostile.Text(random)))),
        1 => Get("GET /api/v1/api-keys", "/api/v1/api-keys"),
        // Never one of the caller's own keys: revoking it would end the run.
        _ => new FuzzRequest
        {
            Endpoint = "DELETE /api/v1/api-keys/{id}",
            Method = HttpMethod.Delete,
            Path = "/api/v1/api-keys/" + ids.Segment(random.Chance(0.5) ? random.Pick(ids.Them.KeyIds) : Hostile.Id(random, "key")),
            Scope = Scope.Tenant,
        },
    };

    private FuzzRequest RegisterSource(Ids ids)
    {
        var body = new JsonDraft()
            .Str("provider", random.Pick("custom", "github", "slack", Hostile.Text(random)))
            .Str("name", random.Chance(0.6) ? $"fuzz source {_serial}" : Hostile.Text(random));
        Maybe(body, 0.4, "kind", () => random.Pick("ephemeral", "durable", Hostile.Text(random)));
        Maybe(body, 0.3, "ingestion_mode", () => random.Pick("manual", "polling", "realtime", Hostile.Text(random)));
        Maybe(body, 0.3, "end_user_id", ids.EndUserId);
        Maybe(body, 0.2, "project_id", () => Hostile.Text(random));
        Maybe(body, 0.2, "external_account_id", () => Hostile.Text(random));
        if (random.Chance(0.3))
        {
            body.Raw("adapter_config", random.Chance(0.5) ? "{\"repo\":\"a/b\",\"nested\":{\"x\":[1,2]}}" : Hostile.AnyJson(random));
        }

        if (random.Chance(0.2))
        {
            body.Raw("poll_interval_seconds", Hostile.Number(random));
        }

        return WithBody("POST …/sources", HttpMethod.Post, ids.SandboxPath("/sources"), body);
    }

    private FuzzRequest UpdateSource(Ids ids)
    {
        var body = new JsonDraft().Str("name", random.Chance(0.6) ? $"renamed {_serial}" : Hostile.Text(random));
        Maybe(body, 0.3, "ingestion_mode", () => random.Pick("manual", "polling", Hostile.Text(random)));
        Maybe(body, 0.2, "project_id", () => Hostile.Text(random));
        if (random.Chance(0.4))
        {
            body.Raw("adapter_config", random.Chance(0.5) ? "{\"repo\":\"c/d\",\"nested\":{\"y\":null}}" : Hostile.AnyJson(random));
        }

        var merge = random.Chance(0.4) ? "?merge_adapter_config=" + Uri.EscapeDataString(random.Pick("true", "false", Hostile.Text(random))) : "";
        return WithBody("PATCH …/sources/{id}", HttpMethod.Patch, ids.SandboxPath($"/sources/{ids.Segment(ids.SpareSourceId())}{merge}"), body);
    }

    private FuzzRequest Purge(Ids ids)
    {
        var path = ids.SandboxPath($"/sources/{ids.Segment(ids.SpareSourceId())}/purge");
        return random.Chance(0.4)
            ? Post("POST …/sources/{id}/purge", path)
            : WithBody("POST …/sources/{id}/purge", HttpMethod.Post, path, new JsonDraft().Raw("delete_source", random.Pick("true", "false", Hostile.AnyJson(random))));
    }

    private FuzzRequest Ingest(Ids ids)
    {
        var body = new JsonDraft()
            .Str("text", random.Chance(0.6) ? $"Fuzz note {_serial} about frost sensors." : random.Chance(0.3) ? Hostile.HugeString(random) : Hostile.Text(random))
            .Str("source_type", random.Pick("markdown", "text", "code", "conversation", Hostile.Text(random)));
        Maybe(body, 0.3, "data_source_id", ids.AnySourceId);
        Maybe(body, 0.3, "end_user_id", ids.EndUserId);
        Maybe(body, 0.2, "file_path", () => random.Pick("notes/a.md", "../../etc/passwd", Hostile.Text(random)));
        Maybe(body, 0.2, "occurred_at", () => random.Pick("2025-03-14T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "2025-02-30", Hostile.Text(random)));
        Maybe(body, 0.2, "speaker", () => Hostile.Text(random));
        Maybe(body, 0.2, "project_id", () => Hostile.Text(random));
        if (random.Chance(0.2))
        {
            body.Raw("participants", random.Chance(0.5) ? "[\"a\",\"b\"]" : Hostile.AnyJson(random));
        }

        if (random.Chance(0.1))
        {
            body.Raw("storage_only", Hostile.AnyJson(random));
        }

        return WithBody("POST …/ingest", HttpMethod.Post, ids.SandboxPath("/ingest"), body);
    }

    private FuzzRequest Query(Ids ids)
    {
        var operation = random.Pick("discover", "interpret", "search");
        var body = new JsonDraft().Str("query", random.Chance(0.6) ? random.Pick("frost alerts", "sensor placement", "code word") : Hostile.Text(random));
        Maybe(body, 0.6, "end_user_id", ids.EndUserId);
        Maybe(body, 0.2, "project_id", () => Hostile.Text(random));
        Maybe(body, 0.1, "preset", () => random.Pick("fast", "auto", Hostile.Text(random)));
        Maybe(body, 0.1, "detail_level", () => random.Pick("concise", "detailed", Hostile.Text(random)));
        Maybe(body, 0.1, "reference_date", () => Hostile.Text(random));
        if (operation == "interpret" || random.Chance(0.1))
        {
            body.Raw("items", random.Chance(0.7) ? "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => ids.CanonicalIdsJson())) + "]" : Hostile.AnyJson(random));
        }

        if (random.Chance(0.3))
        {
            body.Raw("history", random.Chance(0.6)
                ? $"[{{\"role\":\"user\",\"content\":{Hostile.JsonString(Hostile.Text(random))}}},{{\"role\":{Hostile.JsonString(Hostile.Text(random))},\"content\":null}}]"
                : Hostile.AnyJson(random));
        }

        if (random.Chance(0.1))
        {
            body.Raw("max_tokens", Hostile.Number(random));
        }

        return WithBody($"POST /api/v1/query/…/{operation}", HttpMethod.Post, ids.QueryPath(operation), body, scopeFromBody: true);
    }

    private FuzzRequest Origins(Ids ids)
    {
        var body = new JsonDraft().Raw("canonical_ids", random.Chance(0.8) ? ids.CanonicalIdsJson() : Hostile.AnyJson(random));
        if (random.Chance(0.3))
        {
            body.Raw("limit_per_canonical", Hostile.Number(random));
        }

        // Origins names no end user: no end user's memory may come back, whoever's ids are asked for.
        var request = WithBody("POST /api/v1/query/…/origins", HttpMethod.Post, ids.QueryPath("origins"), body);
        request.Scope = Scope.Of(null);
        return request;
    }

    private FuzzRequest Usage(Ids ids) => Get("GET /api/v1/usage", "/api/v1/usage" + Query(
        ("sandbox_id", ids.SandboxId),
        ("from", () => random.Pick("2025-01-01", "0001-01-01", "9999-12-31", "2025-02-30", Hostile.Text(random))),
        ("to", () => random.Pick("2030-01-01", "0001-01-01", "9999-12-30", "9999-12-31", Hostile.Text(random))),
        ("group_by", () => random.Pick("day", "model", "end_user", "provider", Hostile.Text(random)))));

    private static FuzzRequest Get(string endpoint, string path, Scope? scope = null, string? endUserParameter = null) => new()
    {
        Endpoint = endpoint,
        Method = HttpMethod.Get,
        Path = path,
        Scope = endUserParameter is not null && ScopeFromQuery(path, endUserParameter) is { } named ? named : scope ?? Scope.Tenant,
    };

    private static FuzzRequest Post(string endpoint, string path) => new() { Endpoint = endpoint, Method = HttpMethod.Post, Path = path, Scope = Scope.Tenant };

    private FuzzRequest WithBody(string endpoint, HttpMethod method, string path, JsonDraft body, bool scopeFromBody = false)
    {
        var request = new FuzzRequest { Endpoint = endpoint, Method = method, Path = path, Scope = Scope.Tenant, ContentType = "application/json" };
        request.Body = _clean ? Encoding.UTF8.GetBytes(body.ToJson()) : body.Mutate(random, request.Tricks);
        if (scopeFromBody)
        {
            request.Scope = Scope.OfBody(request.Body);
        }

        return request;
    }

    private static string Message(string role, string content) => $"{{\"role\":{Hostile.JsonString(role)},\"content\":{Hostile.JsonString(content)}}}";

    private void Maybe(JsonDraft body, double probability, string name, Func<string> value)
    {
        if (random.Chance(probability))
        {
            body.Str(name, value());
        }
    }

    // Each parameter present with probability 1/2; values escaped, so the query string itself stays parseable.
    private string Query(params (string Name, Func<string> Value)[] parameters)
    {
        var present = parameters.Where(_ => random.Chance(0.5)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value())).ToList();
        if (present.Count > 0 && random.Chance(0.1))
        {
            present.Add(present[0]); // a repeated parameter
        }

        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }

    private static Scope? ScopeFromQuery(string path, string parameter)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? path[(q + 1)..] : "";
        var value = query.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0] == parameter)?[1];
        return value is null ? null : Scope.Of(Uri.UnescapeDataString(value));
    }
}
