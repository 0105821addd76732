using System.Globalization;

namespace Portage.Cli.Ingest;

/// <summary>
/// Shows how an ingest goes: on a terminal one progress bar on stderr, redrawn in place; otherwise one plain line per
/// file on stdout, so logs and pipes stay readable. Failures are always printed.
/// </summary>
internal sealed class IngestProgress(CliHost host, int total)
{
    private const int BarWidth = 28;

    private readonly Lock _lock = new();
    private string _phase = "sending";
    private int _done;
    private int _chunks;
    private bool _drawn;

    public void Phase(string phase)
    {
        lock (_lock)
        {
            _phase = phase;
            _done = 0;
            Draw();
        }
    }

    /// <summary>One file is through the current phase; <paramref name="line"/> is its plain-text line, if any.</summary>
    public void Step(string? line, int chunks = 0)
    {
        lock (_lock)
        {
            _done++;
            _chunks += chunks;
            if (host.ErrorIsTerminal)
            {
                Draw();
            }
            else if (line is not null)
            {
                host.Out.WriteLine(line);
            }
        }
    }

    /// <summary>A line that must be seen whatever the mode (a failure, a skipped file).</summary>
    public void Note(string line)
    {
        lock (_lock)
        {
            Clear();
            host.Out.WriteLine(line);
            Draw();
        }
    }

    /// <summary>Removes the bar before the summary.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            Clear();
        }
    }

    private void Draw()
    {
        if (!host.ErrorIsTerminal || total == 0)
        {
            return;
        }

        var filled = (int)Math.Round(BarWidth * (double)_done / total);
        var chunks = _chunks > 0 ? string.Create(CultureInfo.InvariantCulture, $"  {_chunks} chunks") : string.Empty;
        host.Error.Write($"\r{_phase,-8} [{new string('█', filled)}{new string('░', BarWidth - filled)}] {_done}/{total} files{chunks}\u001b[K");
        host.Error.Flush();
        _drawn = true;
    }

    private void Clear()
    {
        if (_drawn)
        {
            host.Error.Write("\r\u001b[K");
            host.Error.Flush();
            _drawn = false;
        }
    }
}
