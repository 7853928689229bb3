namespace Ledger.Client.Tests.Infrastructure;

/// <summary>
/// One walk through the whole API with the client, every optional parameter sent at least once: the
/// drift tests record it to see which operations and fields the client really uses.
/// </summary>
public static class ClientTour
{
    public static async Task WalkAsync(LedgerClient client)
    {
        var owner = Ids.Account("owner");
        var user = Ids.Account();
        var creator = Ids.Account("creator");

        await client.GetHealthAsync();
        await client.PingAsync();
        await client.PostLedgerAsync(new LedgerPostRequest { OwnerId = owner, Operation = "CREDIT_ADD", Amount = 10 });
        await client.GetOwnerBalanceAsync(owner);

        await client.OpenAccountAsync(new OpenAccountRequest { OwnerId = owner, AccountId = user, Floor = 0, LowBalanceThreshold = 5 });
        await client.OpenAccountAsync(new OpenAccountRequest { OwnerId = owner, AccountId = creator });
        var firstPage = await client.ListAccountsAsync(owner, limit: 1);
        await client.ListAccountsAsync(owner, limit: 1, continuation: firstPage.Continuation);
        await client.GetAccountAsync(user);

        var mint = await client.PostTransactionAsync(new TransactionRequest { Kind = TransactionKind.Mint, AccountId = user, Amount = 1000, Reason = "credit_purchase", Memo = "Pack", Category = "store" });
        await client.PostTransactionAsync(TransactionRequest.ApplyOperation(user, "DAILY_REWARD"));
        await client.PostTransactionAsync(TransactionRequest.Burn(user, 1, "expiry"));
        await client.RefundMintAsync(mint.TransactionId, new MintRefundRequest { AccountId = user, Amount = 100, Reason = "purchase_refund", Memo = "Chargeback", Category = "store" });

        var transfer = await client.StartTransferAsync(new TransferRequest { From = user, To = creator, Amount = 50, Reason = "content_unlock", Memo = "Post 1", Category = "unlocks" });
        transfer = await client.WaitForTransferAsync(transfer.TransferId);
        await client.RefundTransferAsync(transfer.TransferId, new RefundRequest { Amount = 20, Reason = "unlock_refund", Memo = "Did not play", Category = "unlocks" });

        var hold = await client.PlaceHoldAsync(new HoldRequest { From = user, To = creator, Amount = 40, Reason = "live_session", Memo = "Session", Category = "live", ExpiresInSeconds = 600 });
        await client.GetHoldAsync(hold.TransferId);
        await client.CaptureHoldAsync(hold.TransferId, new CaptureRequest { Amount = 35 });
        var voided = await client.PlaceHoldAsync(new HoldRequest { From = user, To = creator, Amount = 5, Reason = "live_session", ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) });
        await client.VoidHoldAsync(voided.TransferId);
        await client.ListStuckTransfersAsync(limit: 10);
        await SentEvenIfRefusedAsync(() => client.ListStuckTransfersAsync(limit: 10, continuation: "bm90LWEtcmVhbC1vbmU"));

        var batch = await client.PostTransactionBatchAsync([TransactionRequest.Mint(user, 5, "daily_bonus"), TransactionRequest.Burn(user, 1_000_000, "creator_payout")]);
        Assert.Equal([201, 422], batch.Results.Select(result => result.Status));
        await client.VerifyWholeAccountAsync(user);
        await SentEvenIfRefusedAsync(() => client.VerifyAccountAsync(user, cursor: "bm90LWEtcmVhbC1vbmU"));

        var entries = await client.ListEntriesAsync(user, limit: 2);
        await client.ListEntriesAsync(user, limit: 2, cursor: entries.NextCursor);
        await client.GetBalanceAsync(user);
        await client.GetBalanceAsync(user, asOf: DateTimeOffset.UtcNow);
        await client.GetAccountSummaryAsync(user, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var export = await client.RequestExportAsync(new ExportRequest { Scope = ExportScope.Account, AccountId = user, From = DateTimeOffset.UtcNow.AddDays(-1), To = DateTimeOffset.UtcNow.AddDays(1), CsvFormulaGuard = false });
        export = await client.WaitForExportAsync(export.ExportId, TimeSpan.FromMilliseconds(50));
        await using (var download = await client.DownloadExportAsync(export.ExportId))
        {
            await download.CopyToAsync(Stream.Null);
        }

        await client.GetConsumerStatusAsync();
        await client.GetTrialBalanceAsync();

        var empty = Ids.Account("empty");
        await client.OpenAccountAsync(new OpenAccountRequest { OwnerId = owner, AccountId = empty });
        await client.FreezeAccountAsync(empty);
        await client.UnfreezeAccountAsync(empty);
        await client.CloseAccountAsync(empty);
    }

    /// <summary>A call made for its parameters' sake: a made-up cursor may be refused as an invalid field, and that is all.</summary>
    private static async Task SentEvenIfRefusedAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (LedgerApiException refused) when (refused.Code == "invalid_field")
        {
        }
    }
}
