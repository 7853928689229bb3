using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>The ledger's own proofs, asked for after every restart: each account's hash chain, and the continuous audit.</summary>
internal static class IntegrityChecks
{
    public static async Task CheckChainsAsync(LedgerCalls calls, IReadOnlyList<string> accounts, Findings findings, CancellationToken cancellationToken)
    {
        foreach (var account in accounts)
        {
            var verdict = await calls.GetAsync($"/accounts/{account}/verify", cancellationToken);
            if (verdict is null)
            {
                return;
            }

            findings.ChainChecked = true;
            if (!IsIntact(verdict))
            {
                findings.ChainBreaks++;
                findings.Problem($"{account}: hash chain broken: {verdict.ToJsonString()}");
            }
        }
    }

    public static async Task CheckAuditAsync(LedgerCalls calls, Findings findings, CancellationToken cancellationToken)
    {
        var report = await calls.GetAsOperatorAsync("/reports/trial-balance", cancellationToken);
        if (report is null)
        {
            return;
        }

        findings.AuditChecked = true;
        var violations = CountViolations(report);
        if (violations > 0)
        {
            findings.AuditViolations += violations;
            findings.Problem($"the audit reports {violations} violation(s): {report.ToJsonString()}");
        }
    }

    private static bool IsIntact(JsonObject verdict) => (bool?)verdict["intact"] ?? false;

    private static int CountViolations(JsonObject report) => (int?)report["violations"] ?? 0;
}
