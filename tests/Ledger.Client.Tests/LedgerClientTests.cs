using System.Net;
using Ledger.Client.Tests.Infrastructure;

namespace Ledger.Client.Tests;

/// <summary>The typed client against the real host in-process: answers come back typed, refusals as problems with their codes.</summary>
public sealed class LedgerClientTests : IClassFixture<LedgerTestHost>
{
    private readonly LedgerTestHost _host;

    public LedgerClientTests(LedgerTestHost host) => _host = host;

    [Fact]
    public async Task A_mint_and_a_transfer_come_back_as_typed_entries_transfers_and_balances()
    {
        using var services = _host.ClientServices();
        var ledger = _host.Client(services);
        var (user, creator) = (Ids.Account(), Ids.Account("creator"));
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = creator, AccountId = creator });

        var mint = await ledger.PostTransactionAsync(TransactionRequest.Mint(user, 1000, "credit_purchase", "Pack of 1000"));
        var transfer = await ledger.WaitForTransferAsync((await ledger.StartTransferAsync(new TransferRequest { From = user, To = creator, Amount = 50, Reason = "content_unlock" })).TransferId);

        Assert.Equal(("mint", 1000, 1000, "Pack of 1000"), (mint.Kind, mint.Amount, mint.BalanceAfter, mint.Memo));
        Assert.Equal("posted", transfer.State);
        Assert.Equal([new Leg(user, -50), new Leg(creator, 50)], transfer.Legs);
        Assert.Equal(950, (await ledger.GetBalanceAsync(user)).Amount);
        Assert.Equal(50, (await ledger.GetAccountAsync(creator)).Available);
    }

    [Fact]
    public async Task A_refusal_surfaces_as_a_LedgerApiException_with_its_code_status_detail_and_field()
    {
        using var services = _host.ClientServices();
        var ledger = _host.Client(services);
        var user = Ids.Account();
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });

        var overdraw = await Assert.ThrowsAsync<LedgerApiException>(() => ledger.PostTransactionAsync(TransactionRequest.Burn(user, 5, "creator_payout")));
        var missing = await Assert.ThrowsAsync<LedgerApiException>(() => ledger.GetAccountAsync(Ids.Account("nobody")));
        var invalid = await Assert.ThrowsAsync<LedgerApiException>(() => ledger.PostTransactionAsync(TransactionRequest.Mint(user, 0, "credit_purchase")));

        Assert.Equal(("insufficient_funds", (HttpStatusCode)422, false), (overdraw.Code, overdraw.StatusCode, overdraw.IsTransient));
        Assert.False(string.IsNullOrEmpty(overdraw.Detail));
        Assert.Equal(("account_not_found", 404), (missing.Code, missing.Problem.Status));
        Assert.Equal(("invalid_amount", "amount"), (invalid.Code, invalid.Field));
    }

    [Fact]
    public async Task The_same_idempotency_key_replays_the_first_entry_and_posts_nothing_more()
    {
        using var services = _host.ClientServices();
        var ledger = _host.Client(services);
        var user = Ids.Account();
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });
        var request = TransactionRequest.Mint(user, 30, "daily_bonus") with { IdempotencyKey = "bonus-" + user };

        var first = await ledger.PostTransactionAsync(request);
        var again = await ledger.PostTransactionAsync(request);
        var reused = await Assert.ThrowsAsync<LedgerApiException>(() => ledger.PostTransactionAsync(request with { Amount = 31 }));

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(first, ClientJson.Default.Entry), System.Text.Json.JsonSerializer.Serialize(again, ClientJson.Default.Entry));
        Assert.Equal("idempotency_key_reused", reused.Code);
        Assert.Equal(30, (await ledger.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task History_pages_follow_the_cursor_and_enumeration_reads_every_page()
    {
        using var services = _host.ClientServices();
        var ledger = _host.Client(services);
        var user = Ids.Account();
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });
        for (var amount = 1; amount <= 5; amount++)
        {
            await ledger.PostTransactionAsync(TransactionRequest.Mint(user, amount, "credit_purchase"));
        }

        var first = await ledger.ListEntriesAsync(user, limit: 2);
        var all = await ledger.EnumerateEntriesAsync(user, pageSize: 2).ToListAsync();

        Assert.Equal([5L, 4L], first.Entries.Select(entry => entry.Amount));
        Assert.NotNull(first.NextCursor);
        Assert.Equal([5L, 4L, 3L, 2L, 1L], all.Select(entry => entry.Amount));
    }

    [Fact]
    public async Task An_export_is_requested_awaited_and_downloaded_with_its_length_and_progress()
    {
        using var services = _host.ClientServices();
        var ledger = _host.Client(services);
        var user = Ids.Account();
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });
        await ledger.PostTransactionAsync(TransactionRequest.Mint(user, 70, "credit_purchase"));

        var export = await ledger.WaitForExportAsync((await ledger.RequestExportAsync(new ExportRequest { AccountId = user })).ExportId, TimeSpan.FromMilliseconds(50));
        var progress = new List<long>();
        using var file = new MemoryStream();
        await using (var download = await ledger.DownloadExportAsync(export.ExportId))
        {
            await download.CopyToAsync(file, new SynchronousProgress(progress.Add));
        }

        Assert.True(export.IsCompleted, export.FailureReason);
        var csv = System.Text.Encoding.UTF8.GetString(file.ToArray());
        Assert.Contains(user, csv);
        Assert.Equal(file.Length, progress[^1]);
        Assert.Equal(export.FileBytes, file.Length);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and race the asserts).</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
