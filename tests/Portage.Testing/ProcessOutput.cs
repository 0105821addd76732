using System.Diagnostics;
using System.Text;

namespace Portage.Testing;

/// <summary>
/// The lines a child process writes, collected as they arrive. Process raises its output events on pool threads,
/// while the test reads the text at any moment: every access takes the lock.
/// </summary>
public sealed class ProcessOutput
{
    private readonly StringBuilder _text = new();

    /// <summary>Collects both standard output and standard error of <paramref name="process"/> here (call before Start).</summary>
    public static ProcessOutput Capture(Process process)
    {
        var output = new ProcessOutput();
        process.OutputDataReceived += (_, e) => output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => output.Append(e.Data);
        return output;
    }

    /// <summary>Adds a line; a null line (the end of a stream) is ignored.</summary>
    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            _text.AppendLine(line);
        }
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
