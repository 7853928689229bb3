using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>Opens the accounts the load moves credits between and funds each, before the first kill.</summary>
internal static class Setup
{
    private const long InitialFunds = 10_000;

    public static async Task OpenAndFundAsync(LedgerCalls calls, WriteLog log, IReadOnlyList<string> accounts, int seed)
    {
        foreach (var account in accounts)
        {
            var open = new KeyedWrite(WriteKind.Export, "/accounts", new JsonObject { ["owner_id"] = "owner-" + account, ["account_id"] = account }, $"torture-{seed}-open-{account}", 0, account);
            await calls.SendAsync(open, CancellationToken.None);
            RequireAcknowledged(open);

            var fund = new KeyedWrite(WriteKind.Mint, "/transactions", new JsonObject { ["kind"] = "mint", ["account_id"] = account, ["amount"] = InitialFunds, ["reason"] = "credit_purchase" }, $"torture-{seed}-fund-{account}", InitialFunds, account);
            await calls.SendAsync(fund, CancellationToken.None);
            RequireAcknowledged(fund);
            log.Add(fund);
        }
    }

    private static void RequireAcknowledged(KeyedWrite write)
    {
        if (write.Outcome != WriteOutcome.Acknowledged)
        {
            throw new InvalidOperationException($"Setup write {write.Key} to {write.Path} was not acknowledged ({write.Outcome} {write.RefusalCode}).");
        }
    }
}
