using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Audit;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

/// <summary>The audit's book of one step, without a store: which ids wait for the head of the feed.</summary>
public sealed class AuditBookTests
{
    private static readonly AppId App = AppId.From("app1");
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_account_that_changes_twice_waits_for_the_head_once_and_the_wait_list_stops_at_its_bound()
    {
        var accounts = Enumerable.Range(0, AuditBook.MaxUnsettled + 1).Select(i => "a" + i).ToArray();
        var totals = new AuditTotals { AppId = App.Value, UnsettledAccounts = ["a0"] };
        var book = new AuditBook(App, totals, accounts.ToDictionary(id => id, _ => (AuditAccountState?)null), new Dictionary<string, AuditTransferLegs?>(), Now);

        foreach (var id in accounts.Prepend("a1"))
        {
            book.Apply(AccountChanged(id, etag: "e-" + id + (id == "a1" ? "-first" : string.Empty)));
        }

        Assert.Equal(AuditBook.MaxUnsettled, totals.UnsettledAccounts.Count);
        Assert.Equal(totals.UnsettledAccounts.Count, totals.UnsettledAccounts.Distinct().Count());
        Assert.Equal(accounts.Take(AuditBook.MaxUnsettled), totals.UnsettledAccounts);
        Assert.Equal(0, totals.Violations);
    }

    private static AccountChange AccountChanged(string accountId, string etag)
    {
        var document = new AccountDocument
        {
            AccountId = accountId,
            AppId = App.Value,
            OwnerId = "owner",
            Status = "active",
            Floor = 0,
            Balance = 0,
            PendingDebits = 0,
            IssuanceContraBalance = 0,
            LastSequence = 0,
            CreatedAt = Now,
            UpdatedAt = Now,
        };
        var stored = new StoredDocument(App.Value + "/" + accountId, DocumentTypes.AccountDocumentId, DocumentTypes.Account, null, null, ReadOnlyMemory<byte>.Empty, etag, Now);
        return new AccountChange(App, accountId, stored, document);
    }
}
