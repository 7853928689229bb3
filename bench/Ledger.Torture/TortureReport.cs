using System.Globalization;
using System.Text;

namespace Ledger.Torture;

/// <summary>Cycle by cycle and in total: what was acknowledged, lost, doubled, stuck, and how long restarts took.</summary>
internal sealed class TortureReport(TortureOptions options, string dataDirectory)
{
    private readonly List<TimeSpan> _restarts = [];
    private readonly StringBuilder _problems = new();
    private int _cycles;
    private int _acknowledged;
    private int _resolved;
    private int _lost;
    private int _doubled;
    private int _stuck;
    private int _mismatches;
    private int _exports;
    private int _chainBreaks;
    private int _violations;
    private bool _chainChecked;
    private bool _auditChecked;
    private string? _abort;

    public bool IsClean => _abort is null && _problems.Length == 0 && _cycles == options.Cycles;

    public void RecordRestart(TimeSpan took) => _restarts.Add(took);

    public void RecordCycle(int cycle, Findings findings)
    {
        _cycles = cycle;
        _acknowledged = findings.Acknowledged;
        _resolved += findings.ResolvedUnknown;
        _lost += findings.Lost;
        _doubled += findings.Doubled;
        _stuck += findings.Stuck;
        _mismatches += findings.BalanceMismatches;
        _exports += findings.ExportsUnfinished;
        _chainBreaks += findings.ChainBreaks;
        _violations += findings.AuditViolations;
        _chainChecked |= findings.ChainChecked;
        _auditChecked |= findings.AuditChecked;
        foreach (var problem in findings.Problems)
        {
            _problems.AppendLine(CultureInfo.InvariantCulture, $"- cycle {cycle}: {problem}");
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[torture] cycle {cycle}/{options.Cycles}: restart {_restarts[^1].TotalMilliseconds:0} ms, checks {findings.CheckDuration.TotalMilliseconds:0} ms, acknowledged {findings.Acknowledged}, resent {findings.ResolvedUnknown}, {(findings.IsClean ? "clean" : $"{findings.Problems.Count} problem(s)")}"));
    }

    public void Abort(string reason) => _abort = reason;

    public void Print(string? path)
    {
        var text = Render();
        Console.WriteLine(text);
        if (path is not null)
        {
            File.WriteAllText(path, text);
        }
    }

    private string Render()
    {
        var sorted = _restarts.Skip(1).Order().ToArray();
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"## Crash torture: {_cycles} of {options.Cycles} kill -9 cycles (seed {options.Seed}, {options.Workers} workers, {options.Accounts} accounts)");
        builder.AppendLine();
        builder.AppendLine("| cycles | acknowledged writes | resent after a kill | lost | doubled | stuck sagas | balance mismatches | unfinished exports | chain breaks | audit violations | restart median | restart max |");
        builder.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"| {_cycles} | {_acknowledged} | {_resolved} | {_lost} | {_doubled} | {_stuck} | {_mismatches} | {_exports} | {(_chainChecked ? _chainBreaks : "not served")} | {(_auditChecked ? _violations : "not served")} | {Milliseconds(sorted, 0.5)} | {Milliseconds(sorted, 1.0)} |");
        builder.AppendLine();
        builder.AppendLine(IsClean ? "Every check of every cycle was clean." : "**Not clean:**");
        builder.Append(_problems);
        if (_abort is not null)
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"- aborted: {_abort}");
            builder.AppendLine(CultureInfo.InvariantCulture, $"- data directory kept: {dataDirectory}");
        }

        return builder.ToString();
    }

    private static string Milliseconds(TimeSpan[] sorted, double quantile)
        => sorted.Length == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(quantile * sorted.Length))].TotalMilliseconds:0} ms");
}
