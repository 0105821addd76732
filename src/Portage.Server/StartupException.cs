namespace Portage.Server;

/// <summary>
/// A start that cannot succeed as configured: <see cref="Exception.Message"/> says what is wrong on its first line and
/// what to do on its second, naming the setting, and is all the user sees (no stack trace).
/// </summary>
public sealed class StartupException : InvalidOperationException
{
    public StartupException()
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What is wrong and what to do, one line each.</summary>
    public StartupException(string problem, string remedy, Exception? innerException = null)
        : base($"{OneLine(problem)}\n{OneLine(remedy)}", innerException)
    {
    }

    internal static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
