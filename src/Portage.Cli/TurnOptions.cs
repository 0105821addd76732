using System.CommandLine;

namespace Portage.Cli;

/// <summary>The options that shape a turn, shared by <c>chat</c> and <c>run</c> (each command gets its own instances).</summary>
internal sealed class TurnOptions
{
    public const string DefaultProvider = "echo";
    public const string DefaultEndUser = "local-user";

    public Option<string> Provider { get; } = new("--provider")
    {
        Description = "Provider: echo, mirror, anthropic, google, openai",
        DefaultValueFactory = _ => DefaultProvider,
    };

    public Option<string> Model { get; } = new("--model")
    {
        Description = "Model id (default: the provider's default model)",
        DefaultValueFactory = _ => string.Empty,
    };

    public Option<string?> System { get; } = new("--system") { Description = "System prompt" };

    public Option<string> EndUser { get; } = new("--end-user")
    {
        Description = "The end user the run acts for",
        DefaultValueFactory = _ => DefaultEndUser,
    };

    public Option<string?> Session { get; } = new("--session") { Description = "Continue this session id" };

    public void AddTo(Command command)
    {
        command.Options.Add(Provider);
        command.Options.Add(Model);
        command.Options.Add(System);
        command.Options.Add(EndUser);
        command.Options.Add(Session);
    }
}
