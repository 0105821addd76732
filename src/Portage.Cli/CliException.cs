namespace Portage.Cli;

/// <summary>A failure the user can fix; its message is printed as one line and the command exits with 2.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
