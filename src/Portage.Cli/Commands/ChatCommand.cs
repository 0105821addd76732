using System.CommandLine;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage chat</c>: a streaming REPL. Each line is one turn; the session id of each <c>agent_finish</c> is sent
/// with the next turn, and slash commands switch provider, start a new window or show the window's turns.
/// </summary>
internal static class ChatCommand
{
    public const string Help =
        """
        /provider NAME [MODEL]  switch to a configured provider (and model); the conversation's window is kept
        /new                    start a new context window with the next message
        /session                show the session id and context window id
        /window                 show the turns of the current window
        /archive                archive the current window
        /json                   tool calls and results in full (JSON event lines) or as one-line summaries
        /help                   this list
        /quit                   leave (also Ctrl+D)
        /discover|/search|/interpret TEXT
                                sent to the model as is: the offline echo model calls that retrieval tool
        """;

    internal static readonly string[] ModelCommands = ["/discover", "/search", "/interpret"];

    public static Command Create(CliHost host, ConnectionOptions connection)
    {
        var turn = new TurnOptions();
        var json = new Option<bool>("--json") { Description = "Show tool calls and results whole, as JSON event lines {\"event\",\"data\"} (/json switches)" };
        var command = new Command("chat", "Chat with an agent; the session carries over between turns");
        turn.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, (resolved, router, token) =>
        {
            var chat = new ChatRepl(host, router, resolved.SandboxId)
            {
                Provider = parseResult.GetValue(turn.Provider)!,
                Model = parseResult.GetValue(turn.Model) ?? string.Empty,
                System = parseResult.GetValue(turn.System),
                EndUserId = parseResult.GetValue(turn.EndUser)!,
                SessionId = parseResult.GetValue(turn.Session),
                JsonTools = parseResult.GetValue(json),
            };
            return chat.RunAsync(token);
        }, ct));
        return command;
    }
}
