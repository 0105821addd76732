namespace Portage.Cli;

/// <summary>Process exit codes of the CLI.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The run ended with <c>agent_error</c> (or without a terminal frame).</summary>
    public const int RunFailed = 1;

    /// <summary><c>serve</c> could not start, or <c>keys create --local</c> was refused or could not use the store.</summary>
    public const int Failed = 1;

    /// <summary>Setup problem: no key, server unreachable, key rejected, bad request.</summary>
    public const int Setup = 2;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
