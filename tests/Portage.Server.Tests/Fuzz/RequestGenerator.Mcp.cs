namespace Portage.Server.Tests.Fuzz;

internal sealed partial class RequestGenerator
{
    private static readonly string[] s_tools =
    [
        "discover", "interpret", "search", "get_origin", "ingest",
        "context_window_create", "context_window_add_turn", "context_window_attach", "context_window_close",
    ];

    // /mcp: JSON-RPC over Streamable HTTP. A session of the caller (its own sandbox and end user headers, mostly),
    // another tenant's session, or garbage; tool calls whose arguments name anyone's windows and canonical ids.
    private FuzzRequest Mcp(Ids ids)
    {
        var (sessionOwner, sessionId) = random.Next(100) switch
        {
            < 60 => (ids.Me, random.Pick([.. ids.Me.McpSessions])),
            < 75 => (ids.Them, random.Pick([.. ids.Them.McpSessions])),
            < 88 => (null, default(KeyValuePair<string, string>)),
            _ => (null, new KeyValuePair<string, string>("", Hostile.Id(random, "mcp"))),
        };
        var endUser = sessionOwner is not null && random.Chance(0.8)
            ? sessionId.Key is { Length: > 0 } bound ? bound : null
            : random.Chance(0.5) ? null : ids.EndUserId();
        var sandbox = random.Next(100) switch
        {
            < 80 => sessionOwner?.SandboxId ?? ids.Me.SandboxId,
            < 88 => ids.Them.SandboxId,
            < 94 => null,
            _ => Hostile.Text(random),
        };

        var method = random.Next(100) switch
        {
            < 85 => HttpMethod.Post,
            < 93 => HttpMethod.Get,
            _ => HttpMethod.Delete,
        };
        var session = sessionId.Value;
        if (method == HttpMethod.Delete && sessionOwner == ids.Me)
        {
            // Ending one of the caller's own sessions would take it away from later requests.
            session = Hostile.Id(random, "mcp");
        }

        var useQuery = sandbox is not null && random.Chance(0.1);
        var request = new FuzzRequest
        {
            Endpoint = $"{method} /mcp",
            Method = method,
            Path = useQuery ? "/mcp?sandbox_id=" + Uri.EscapeDataString(sandbox!) : "/mcp",
            Scope = Scope.Of(endUser is { Length: > 0 } ? endUser : null),
        };
        request.Headers["Accept"] = random.Chance(0.9) ? "application/json, text/event-stream" : random.Pick("application/json", "text/event-stream", "text/html", "*/*");
        if (sandbox is not null && !useQuery)
        {
            request.Headers["X-Portage-Sandbox-Id"] = sandbox;
        }

        if (endUser is not null)
        {
            request.Headers["X-Portage-End-User-Id"] = endUser;
        }

        if (session is not null)
        {
            request.Headers[McpHandshake.SessionHeader] = session;
        }

        if (method == HttpMethod.Post)
        {
            request.ContentType = "application/json";
            request.Body = System.Text.Encoding.UTF8.GetBytes(JsonRpc(ids));
            if (!_clean && random.Chance(0.15))
            {
                request.Body = Hostile.BrokenBody(random, System.Text.Encoding.UTF8.GetString(request.Body));
                request.Tricks.Add("broken JSON-RPC");
            }
        }

        request.Tricks.Add($"session {(sessionOwner is null ? session is null ? "none" : "garbage" : sessionOwner.Name + "'s")}, sandbox {(sandbox == ids.Me.SandboxId ? "own" : sandbox == ids.Them.SandboxId ? "other's" : sandbox is null ? "none" : "garbage")}");
        return request;
    }

    private string JsonRpc(Ids ids)
    {
        var id = random.Pick("1", "\"x\"", "null", Hostile.Number(random));
        return random.Next(100) switch
        {
            < 10 => McpHandshake.Initialize,
            < 15 => $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/list"}""",
            < 85 => ToolCall(ids, id, random.Chance(0.95) ? random.Pick(s_tools) : Hostile.Text(random)),
            < 90 => $$"""[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"ping"}]""",
            < 95 => $$"""{"jsonrpc":"2.0","id":{{id}},"method":{{Hostile.JsonString(Hostile.Text(random))}},"params":{{Hostile.AnyJson(random)}}}""",
            _ => $$"""{"jsonrpc":{{Hostile.AnyJson(random)}},"id":{{Hostile.AnyJson(random)}}}""",
        };
    }

    private string ToolCall(Ids ids, string id, string tool) =>
        $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/call","params":{"name":{{{Hostile.JsonString(tool)}}},"arguments":{{{ToolArguments(ids, tool)}}}}}""";

    // Every tool's arguments at once (each tool reads its own), so one draft covers them all; sometimes not an object.
    // Closing a window is final: only spare windows, other tenants' or garbage.
    private string ToolArguments(Ids ids, string tool)
    {
        if (random.Chance(0.05))
        {
            return Hostile.AnyJson(random);
        }

        var args = new JsonDraft()
            .Str("query", random.Chance(0.7) ? random.Pick("frost alerts", "code word", "sensor placement") : Hostile.Text(random))
            .Raw("items", "[" + ids.CanonicalIdsJson() + "]")
            .Raw("canonical_ids", ids.CanonicalIdsJson())
            .Str("content", random.Chance(0.7) ? "A fuzz turn about frost." : Hostile.Text(random))
            .Str("role", random.Pick("user", "assistant", "system", Hostile.Text(random)));
        Maybe(args, 0.6, "data_source_id", tool == "context_window_close" ? ids.SpareSourceId : ids.AnySourceId);
        Maybe(args, 0.2, "source_type", () => random.Pick("markdown", "text", Hostile.Text(random)));
        Maybe(args, 0.2, "name", () => Hostile.Text(random));
        Maybe(args, 0.2, "project_id", () => Hostile.Text(random));
        Maybe(args, 0.1, "occurred_at", () => Hostile.Text(random));
        if (random.Chance(0.2))
        {
            args.Raw("participants", random.Chance(0.5) ? "[\"a\"]" : Hostile.AnyJson(random));
        }

        if (random.Chance(0.2))
        {
            args.Raw("initial_turns", random.Chance(0.5) ? "[{\"role\":\"user\",\"content\":\"hi\"}]" : Hostile.AnyJson(random));
        }

        if (random.Chance(0.1))
        {
            args.Raw("limit_per_canonical", Hostile.Number(random));
        }

        return System.Text.Encoding.UTF8.GetString(args.Mutate(random, []));
    }
}
