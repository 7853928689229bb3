using System.Globalization;
using Ledger.Client;

namespace Ledger.Cli.Output;

/// <summary>How the ledger's answers look to people: one line per field for one item, a table for a list.</summary>
internal static class Views
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string Signed(long value) => value.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    public static string? Instant(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static void Entry(TextWriter writer, Entry entry) => TextTable.WriteDetails(writer,
    [
        ("transaction", entry.TransactionId),
        ("account", entry.AccountId),
        ("sequence", Number(entry.Sequence)),
        ("kind", entry.Kind),
        ("operation", entry.Operation),
        ("reason", entry.Reason),
        ("memo", entry.Memo),
        ("category", entry.Category),
        ("amount", Signed(entry.Amount)),
        ("balance after", Number(entry.BalanceAfter)),
        ("counterparty", entry.Counterparty),
        ("transfer", entry.TransferId),
        ("reverses", entry.ReversesTransactionId),
        ("posted at", Instant(entry.PostedAt)),
    ]);

    public static void Posting(TextWriter writer, LedgerPosting posting) => TextTable.WriteDetails(writer,
    [
        ("transaction", posting.TransactionId),
        ("owner", posting.OwnerId),
        ("account", posting.AccountId),
        ("operation", posting.Operation),
        ("amount", Number(posting.Amount)),
        ("balance", Number(posting.Balance)),
        ("posted at", Instant(posting.PostedAt)),
    ]);

    public static void Transfer(TextWriter writer, Transfer transfer) => TextTable.WriteDetails(writer,
    [
        ("transfer", transfer.TransferId),
        ("kind", transfer.Kind),
        ("state", transfer.State),
        ("from", transfer.From),
        ("to", transfer.To),
        ("amount", Number(transfer.Amount)),
        ("settled", Number(transfer.SettleAmount)),
        ("reason", transfer.Reason),
        ("memo", transfer.Memo),
        ("refund of", transfer.RefundOf),
        ("expires at", Instant(transfer.ExpiresAt)),
        ("failure", transfer.FailureCode is null ? null : $"{transfer.FailureCode}: {transfer.FailureMessage}"),
        ("transaction", transfer.TransactionId),
        ("created at", Instant(transfer.CreatedAt)),
        ("posted at", Instant(transfer.PostedAt)),
        ("voided at", Instant(transfer.VoidedAt)),
    ]);

    public static void Account(TextWriter writer, Account account) => TextTable.WriteDetails(writer,
    [
        ("account", account.AccountId),
        ("owner", account.OwnerId),
        ("status", account.Status),
        ("balance", Number(account.Balance)),
        ("pending", Number(account.Pending)),
        ("available", Number(account.Available)),
        ("floor", Number(account.Floor)),
        ("low balance at", Number(account.LowBalanceThreshold)),
        ("created at", Instant(account.CreatedAt)),
    ]);

    public static void Accounts(TextWriter writer, IEnumerable<Account> accounts)
    {
        var table = new TextTable(TableColumn.Left("ACCOUNT"), TableColumn.Left("OWNER"), TableColumn.Left("STATUS"), TableColumn.Right("BALANCE"), TableColumn.Right("PENDING"), TableColumn.Right("AVAILABLE"));
        foreach (var account in accounts)
        {
            table.AddRow(account.AccountId, account.OwnerId, account.Status, Number(account.Balance), Number(account.Pending), Number(account.Available));
        }

        table.WriteTo(writer);
    }

    public static void Entries(TextWriter writer, IEnumerable<Entry> entries)
    {
        var table = new TextTable(TableColumn.Right("SEQ"), TableColumn.Left("POSTED AT"), TableColumn.Left("KIND"), TableColumn.Right("AMOUNT"), TableColumn.Right("BALANCE"), TableColumn.Left("COUNTERPARTY"), TableColumn.Left("REASON"), TableColumn.Left("MEMO"));
        foreach (var entry in entries)
        {
            table.AddRow(Number(entry.Sequence), Instant(entry.PostedAt), entry.Operation ?? entry.Kind, Signed(entry.Amount), Number(entry.BalanceAfter), entry.Counterparty, entry.Reason, OneLine(entry.Memo));
        }

        table.WriteTo(writer);
    }

    /// <summary>A memo on one table row: line breaks and tabs become spaces.</summary>
    private static string? OneLine(string? text) => text?.ReplaceLineEndings(" ").Replace('\t', ' ');
}
