using System.CommandLine;
using Portage.Client;
using Portage.Protocol.Runs;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage run "message"</c>: one turn. Text goes to stdout, the session line and tool lines to stderr, so the
/// output pipes cleanly; <c>--json</c> prints every event as one JSON line instead. Exit 1 on <c>agent_error</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliHost host, ConnectionOptions connection)
    {
        var message = new Argument<string>("message") { Description = "The user message" };
        var turn = new TurnOptions();
        var window = new Option<string?>("--window") { Description = "Run in this context window id" };
        var newWindow = new Option<bool>("--new-window") { Description = "Start a new context window" };
        var json = new Option<bool>("--json") { Description = "Print each event as a JSON line {\"event\",\"data\"}" };

        var command = new Command("run", "Run one agent turn and stream its reply") { message };
        turn.AddTo(command);
        command.Options.Add(window);
        command.Options.Add(newWindow);
        command.Options.Add(json);

        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, (_, router, token) =>
        {
            var options = new RunOptions
            {
                Provider = parseResult.GetValue(turn.Provider)!,
                Model = parseResult.GetValue(turn.Model),
                System = parseResult.GetValue(turn.System),
                EndUserId = parseResult.GetValue(turn.EndUser)!,
                SessionId = parseResult.GetValue(turn.Session),
                ContextWindowId = parseResult.GetValue(window),
                NewWindow = parseResult.GetValue(newWindow),
                Message = parseResult.GetValue(message),
            };
            return parseResult.GetValue(json)
                ? RunJsonAsync(host, router, options, token)
                : RunTextAsync(host, router, options, token);
        }, ct));
        return command;
    }

    private static async Task<int> RunTextAsync(CliHost host, AgentRouter router, RunOptions options, CancellationToken ct)
    {
        string? windowId = null;
        await foreach (var agentEvent in router.RunAsync(options, cancellationToken: ct))
        {
            switch (agentEvent)
            {
                case RunStarted started:
                    windowId = started.ContextWindowId;
                    break;
                case ContextCompacted compacted:
                    host.WriteDim(host.Error, EventFormat.Compacted(compacted));
                    break;
                case AgentTextDelta delta:
                    await host.Out.WriteAsync(delta.Text);
                    await host.Out.FlushAsync(ct);
                    break;
                case AgentToolCall call:
                    host.WriteDim(host.Error, EventFormat.ToolCall(call));
                    break;
                case AgentToolResult result:
                    host.WriteDim(host.Error, EventFormat.ToolResult(result));
                    break;
                case AgentFinish finish:
                    await host.Out.WriteLineAsync();
                    await host.Error.WriteLineAsync(EventFormat.SessionLine(finish.SessionId, finish.ContextWindowId ?? windowId));
                    return ExitCodes.Success;
                case AgentError error:
                    await host.Out.WriteLineAsync();
                    await host.Error.WriteLineAsync(EventFormat.Error(error));
                    return ExitCodes.RunFailed;
            }
        }

        await host.Out.WriteLineAsync();
        await host.Error.WriteLineAsync(NoTerminalFrame);
        return ExitCodes.RunFailed;
    }

    private static async Task<int> RunJsonAsync(CliHost host, AgentRouter router, RunOptions options, CancellationToken ct)
    {
        await foreach (var agentEvent in router.RunAsync(options, cancellationToken: ct))
        {
            await host.Out.WriteLineAsync(EventFormat.JsonLine(agentEvent));
            await host.Out.FlushAsync(ct);
            switch (agentEvent)
            {
                case AgentFinish finish:
                    await host.Error.WriteLineAsync(EventFormat.SessionLine(finish.SessionId, finish.ContextWindowId));
                    return ExitCodes.Success;
                case AgentError:
                    return ExitCodes.RunFailed;
            }
        }

        await host.Error.WriteLineAsync(NoTerminalFrame);
        return ExitCodes.RunFailed;
    }

    private const string NoTerminalFrame = "error: the stream ended without agent_finish (did the server stop?)";
}
