using System.Net;
using Portage.Client;
using Portage.Core.Providers;
using Portage.Protocol.Providers;
using Portage.Protocol.Runs;

namespace Portage.Cli.Commands;

/// <summary>The state and loop of one chat.</summary>
internal sealed class ChatRepl(CliHost host, AgentRouter router, string sandboxId)
{
    public required string Provider { get; set; }

    public required string Model { get; set; }

    public string? System { get; init; }

    public required string EndUserId { get; init; }

    public string? SessionId { get; set; }

    public string? ContextWindowId { get; private set; }

    /// <summary>Tool calls and results as whole JSON event lines instead of one-line summaries.</summary>
    public bool JsonTools { get; set; }

    private bool _newWindow;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await host.Error.WriteLineAsync(
            $"portage chat: provider {Describe()}, end user {EndUserId}. /help lists the commands, /quit leaves.");
        while (true)
        {
            if (host.Interactive)
            {
                await host.Out.WriteAsync("> ");
                await host.Out.FlushAsync(ct);
            }

            var line = await host.In.ReadLineAsync(ct);
            if (line is null)
            {
                if (host.Interactive)
                {
                    await host.Out.WriteLineAsync();
                }

                return ExitCodes.Success;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            // /discover, /interpret and /search are messages for the model (the offline echo model turns them into tool calls).
            if (line.StartsWith('/') && !ChatCommand.ModelCommands.Any(c => line.StartsWith(c + " ", StringComparison.Ordinal)))
            {
                if (!await CommandAsync(line, ct))
                {
                    return ExitCodes.Success;
                }

                continue;
            }

            await TurnAsync(line, ct);
        }
    }

    private async Task TurnAsync(string message, CancellationToken ct)
    {
        var options = new RunOptions
        {
            Provider = Provider,
            Model = Model,
            System = System,
            EndUserId = EndUserId,
            SessionId = SessionId,
            NewWindow = _newWindow,
            Message = message,
        };

        var atLineStart = true;
        try
        {
            await foreach (var agentEvent in router.RunAsync(options, cancellationToken: ct))
            {
                switch (agentEvent)
                {
                    case RunStarted started:
                        ContextWindowId = started.ContextWindowId;
                        _newWindow = false;
                        break;
                    case ContextCompacted compacted:
                        host.WriteDim(host.Out, EventFormat.Compacted(compacted));
                        break;
                    case AgentTextDelta delta:
                        await host.Out.WriteAsync(delta.Text);
                        await host.Out.FlushAsync(ct);
                        atLineStart = delta.Text.EndsWith('\n');
                        break;
                    case AgentToolCall call:
                        atLineStart = await EndLineAsync(atLineStart);
                        host.WriteDim(host.Out, JsonTools ? EventFormat.JsonLine(call) : EventFormat.ToolCall(call));
                        break;
                    case AgentToolResult result:
                        atLineStart = await EndLineAsync(atLineStart);
                        host.WriteDim(host.Out, JsonTools ? EventFormat.JsonLine(result) : EventFormat.ToolResult(result));
                        break;
                    case AgentFinish finish:
                        await EndLineAsync(atLineStart);
                        SessionId = finish.SessionId;
                        ContextWindowId = finish.ContextWindowId ?? ContextWindowId;
                        _newWindow = false;
                        return;
                    case AgentError error:
                        await EndLineAsync(atLineStart);
                        _newWindow = false;
                        await host.Error.WriteLineAsync(EventFormat.Error(error));
                        return;
                }
            }

            await EndLineAsync(atLineStart);
            await host.Error.WriteLineAsync("error: the stream ended without agent_finish (did the server stop?)");
        }
        catch (AgentRouterException ex) when (ex.StatusCode != HttpStatusCode.Unauthorized)
        {
            // The turn was refused before it started (busy window, unknown session, ...): say so and keep chatting.
            await host.Error.WriteLineAsync($"error: {ex.Message}");
            if (ex.ErrorType is "session_not_found" or "window_archived" or "window_not_found")
            {
                SessionId = null;
                ContextWindowId = null;
                await host.Error.WriteLineAsync("(forgot the session; the next message continues your active window)");
            }
        }
    }

    /// <summary>Handles one slash command; false means leave.</summary>
    private async Task<bool> CommandAsync(string line, CancellationToken ct)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words[0])
        {
            case "/quit" or "/exit":
                return false;
            case "/help":
                await host.Out.WriteLineAsync(ChatCommand.Help);
                break;
            case "/provider" when words.Length is 2 or 3:
                await SwitchProviderAsync(words[1], words.Length == 3 ? words[2] : string.Empty, ct);
                break;
            case "/provider":
                await host.Out.WriteLineAsync("usage: /provider NAME [MODEL]");
                break;
            case "/new":
                _newWindow = true;
                SessionId = null;
                ContextWindowId = null;
                await host.Out.WriteLineAsync("the next message starts a new context window");
                break;
            case "/session":
                await host.Out.WriteLineAsync(EventFormat.SessionLine(SessionId, ContextWindowId));
                break;
            case "/window":
                await ShowWindowAsync(ct);
                break;
            case "/archive":
                await ArchiveAsync(ct);
                break;
            case "/json":
                JsonTools = !JsonTools;
                await host.Out.WriteLineAsync(JsonTools ? "tool calls and results: whole JSON" : "tool calls and results: one-line summaries");
                break;
            default:
                await host.Out.WriteLineAsync($"unknown command {words[0]}: /help lists the commands");
                break;
        }

        return true;
    }

    // A name the server does not know, or one it cannot run without a key, is refused here with the server's list,
    // rather than accepted and failing at the next message; the current provider stays.
    private async Task SwitchProviderAsync(string name, string model, CancellationToken ct)
    {
        ProviderList? list = null;
        try
        {
            list = await router.Client.Providers.ListAsync(ct);
        }
        catch (AgentRouterException ex) when (ex.StatusCode != HttpStatusCode.Unauthorized)
        {
            // A server without the list (a Copass one): its answer to the next message decides.
            await host.Error.WriteLineAsync($"(could not check the provider: {ex.Message})");
        }

        if (list is not null)
        {
            var known = list.Providers.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                var summary = ProviderRegistry.Describe(list.Providers.Select(p => (p.Name, p.Configured, p.Needs)));
                await host.Error.WriteLineAsync($"error: unknown provider '{name}'. {summary} Still on {Describe()}.");
                return;
            }

            if (!known.Configured)
            {
                await host.Error.WriteLineAsync(
                    $"error: provider '{known.Name}' is not configured on the server: set {known.Needs} and restart the router. Still on {Describe()}.");
                return;
            }

            name = known.Name;
        }

        Provider = name;
        Model = model;
        // Session ids are provider-managed: drop it, and the server continues the active window.
        SessionId = null;
        await host.Out.WriteLineAsync($"provider {Describe()} (same window)");
    }

    private async Task ShowWindowAsync(CancellationToken ct)
    {
        if (ContextWindowId is null)
        {
            await host.Out.WriteLineAsync("no context window yet: send a message first");
            return;
        }

        // Page by page as they arrive: a long window is printed whole without being held whole.
        await host.Out.WriteLineAsync($"{ContextWindowId}:");
        var count = 0;
        await foreach (var turn in router.Client.DataSources.EnumerateTurnsAsync(sandboxId, ContextWindowId, EndUserId, cancellationToken: ct))
        {
            var runtime = turn.Provider is null ? string.Empty : $"{turn.Provider}/{turn.Model} ";
            var text = turn.Text.ReplaceLineEndings("\n    ");
            await host.Out.WriteLineAsync($"{turn.Seq} {turn.Role} [{runtime}{turn.Status}] {text}");
            count++;
        }

        await host.Out.WriteLineAsync($"{count} turns");
    }

    private async Task ArchiveAsync(CancellationToken ct)
    {
        if (ContextWindowId is null)
        {
            await host.Out.WriteLineAsync("no context window yet: nothing to archive");
            return;
        }

        await router.Client.DataSources.ArchiveAsync(sandboxId, ContextWindowId, ct);
        await host.Out.WriteLineAsync($"archived {ContextWindowId}; the next message starts a new window");
        SessionId = null;
        ContextWindowId = null;
        _newWindow = true;
    }

    private async Task<bool> EndLineAsync(bool atLineStart)
    {
        if (!atLineStart)
        {
            await host.Out.WriteLineAsync();
        }

        return true;
    }

    private string Describe() => Model.Length == 0 ? Provider : $"{Provider}/{Model}";
}
