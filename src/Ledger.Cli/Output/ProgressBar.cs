using System.Globalization;

namespace Ledger.Cli.Output;

/// <summary>
/// A one-line progress display on standard error, redrawn in place with a carriage return. It draws only
/// when standard error is a terminal, so scripts and logs never receive the redraws.
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool enabled)
{
    private const int BarWidth = 30;
    private int _lastLength;

    /// <summary>A phase without a known end, such as waiting for the ledger to write an export.</summary>
    public void ShowStatus(string text) => Draw(text);

    /// <summary>A phase with a known end: a filled bar, the percentage and the counts.</summary>
    public void ShowFraction(long done, long total, string unit)
    {
        var fraction = total <= 0 ? 1.0 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)Math.Round(fraction * BarWidth);
        var bar = new string('#', filled) + new string('.', BarWidth - filled);
        Draw(string.Create(CultureInfo.InvariantCulture, $"[{bar}] {fraction * 100,3:0}%  {done:N0}/{total:N0} {unit}"));
    }

    /// <summary>Ends the line so later output starts on a fresh one.</summary>
    public void Finish()
    {
        if (enabled && _lastLength > 0)
        {
            error.WriteLine();
            _lastLength = 0;
        }
    }

    private void Draw(string text)
    {
        if (!enabled)
        {
            return;
        }

        // Pads over the rest of a longer previous line, so no stale characters remain.
        error.Write("\r" + text.PadRight(_lastLength));
        error.Flush();
        _lastLength = text.Length;
    }
}
