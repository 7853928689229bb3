using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>The ledger's own proofs, asked for after every restart: each account's hash chain, and the continuous audit.</summary>
internal static class IntegrityChecks
{
    public static async Task CheckChainsAsync(LedgerCalls calls, IReadOnlyList<string> accounts, Findings findings, CancellationToken cancellationToken)
    {
        foreach (var account in accounts)
        {
            var verdict = await VerifyAsync(calls, account, cancellationToken);
            if (verdict is null)
            {
                return;
            }

            findings.ChainChecked = true;
            if ((string?)verdict["status"] != "ok")
            {
                findings.ChainBreaks++;
                findings.Problem($"{account}: hash chain broken: {verdict.ToJsonString()}");
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until the audit has settled on a quiet ledger: three reads in a row, over most of a
    /// second, with the same number of changes audited, and its cross-document checks run after the newest of them. Then checks that it is
    /// clean and that its minted − burned is what the harness's acknowledged writes say.
    /// </summary>
    public static async Task CheckAuditAsync(LedgerCalls calls, long expectedIssued, TimeSpan bound, Findings findings, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonObject? app = null;
        long? previousChanges = null;
        var stableReads = 0;
        while (clock.Elapsed < bound)
        {
            var report = await calls.GetAsOperatorAsync("/reports/trial-balance", cancellationToken);
            if (report is null)
            {
                return;
            }

            app = report["apps"]?.AsArray().Select(node => node!.AsObject()).FirstOrDefault(node => (string?)node["app_id"] == "app1");
            var changes = (long?)app?["changes_audited"];
            stableReads = changes is not null && changes == previousChanges && IsSettled(app!) ? stableReads + 1 : 0;
            if (stableReads == 2)
            {
                break;
            }

            previousChanges = changes;
            await Task.Delay(300, cancellationToken);
        }

        findings.AuditChecked = true;
        var violations = (int?)app?["violations"] ?? 0;
        findings.AuditViolations += violations;
        if (app is null || violations > 0 || (long?)app["issued"] != expectedIssued || (long?)app["in_flight"] != 0)
        {
            findings.Problem($"the audit is not clean or disagrees (expected issued {expectedIssued}, nothing in flight): {app?.ToJsonString() ?? "app1 not audited"}");
        }
    }

    private static bool IsSettled(JsonObject app)
        => app["settled_at"] is { } settled && app["audited_through"] is { } through
           && DateTimeOffset.Parse((string)settled!, System.Globalization.CultureInfo.InvariantCulture) >= DateTimeOffset.Parse((string)through!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Verifies the whole chain, following <c>next_cursor</c> while the ledger answers <c>incomplete</c>; null when the route is not served.</summary>
    private static async Task<JsonObject?> VerifyAsync(LedgerCalls calls, string account, CancellationToken cancellationToken)
    {
        var verdict = await calls.GetAsync($"/accounts/{account}/verify", cancellationToken);
        for (var call = 0; call < 1_000 && (string?)verdict?["status"] == "incomplete"; call++)
        {
            verdict = await calls.GetAsync($"/accounts/{account}/verify?cursor={Uri.EscapeDataString((string)verdict!["next_cursor"]!)}", cancellationToken);
        }

        return verdict;
    }
}
