namespace Ledger.Torture;

/// <summary>What one check after a restart found. Every count but the first two must stay zero.</summary>
internal sealed class Findings
{
    public int Acknowledged { get; set; }

    public int ResolvedUnknown { get; set; }

    public int Lost { get; set; }

    public int Doubled { get; set; }

    public int Stuck { get; set; }

    public int BalanceMismatches { get; set; }

    public int ExportsUnfinished { get; set; }

    public int ChainBreaks { get; set; }

    public int AuditViolations { get; set; }

    /// <summary>How long the checks after the restart took.</summary>
    public TimeSpan CheckDuration { get; set; }

    public bool ChainChecked { get; set; }

    public bool AuditChecked { get; set; }

    public List<string> Problems { get; } = [];

    public bool IsClean => Lost + Doubled + Stuck + BalanceMismatches + ExportsUnfinished + ChainBreaks + AuditViolations == 0 && Problems.Count == 0;

    public void Problem(string problem) => Problems.Add(problem);
}
