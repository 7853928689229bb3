namespace Ledger.Client;

public sealed partial class LedgerClient
{
    /// <summary><c>POST /ledger</c>: applies a catalog operation to the owner's account, opening it on first use.</summary>
    public Task<LedgerPosting> PostLedgerAsync(LedgerPostRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("ledger", request, ClientJson.Default.LedgerPostRequest, ClientJson.Default.LedgerPosting, cancellationToken);

    /// <summary><c>GET /ledger/{owner_id}</c>: the owner's balance, zero for an owner never seen.</summary>
    public Task<OwnerBalance> GetOwnerBalanceAsync(string ownerId, CancellationToken cancellationToken = default)
        => GetAsync("ledger/" + Segment(ownerId), ClientJson.Default.OwnerBalance, cancellationToken);

    /// <summary><c>POST /accounts</c>.</summary>
    public Task<Account> OpenAccountAsync(OpenAccountRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("accounts", request, ClientJson.Default.OpenAccountRequest, ClientJson.Default.Account, cancellationToken);

    /// <summary><c>GET /accounts?owner_id=</c>: one page of the owner's accounts.</summary>
    public Task<AccountPage> ListAccountsAsync(string ownerId, int? limit = null, string? continuation = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        return GetAsync(WithQuery("accounts", ("owner_id", ownerId), ("limit", Text(limit)), ("continuation", continuation)), ClientJson.Default.AccountPage, cancellationToken);
    }

    /// <summary><c>GET /accounts/{account_id}</c>.</summary>
    public Task<Account> GetAccountAsync(string accountId, CancellationToken cancellationToken = default)
        => GetAsync("accounts/" + Segment(accountId), ClientJson.Default.Account, cancellationToken);

    /// <summary><c>POST /accounts/{account_id}/freeze</c>: no postings either way while frozen.</summary>
    public Task<Account> FreezeAccountAsync(string accountId, CancellationToken cancellationToken = default)
        => SetStateAsync("accounts/" + Segment(accountId) + "/freeze", ClientJson.Default.Account, cancellationToken);

    /// <summary><c>POST /accounts/{account_id}/unfreeze</c>.</summary>
    public Task<Account> UnfreezeAccountAsync(string accountId, CancellationToken cancellationToken = default)
        => SetStateAsync("accounts/" + Segment(accountId) + "/unfreeze", ClientJson.Default.Account, cancellationToken);

    /// <summary><c>POST /accounts/{account_id}/close</c>: only an empty account closes; closing is final.</summary>
    public Task<Account> CloseAccountAsync(string accountId, CancellationToken cancellationToken = default)
        => SetStateAsync("accounts/" + Segment(accountId) + "/close", ClientJson.Default.Account, cancellationToken);

    /// <summary><c>GET /accounts/{account_id}/balance</c>: now (with pending and available), or as of <paramref name="asOf"/>.</summary>
    public Task<Balance> GetBalanceAsync(string accountId, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
        => GetAsync(WithQuery("accounts/" + Segment(accountId) + "/balance", ("asOf", Text(asOf))), ClientJson.Default.Balance, cancellationToken);

    /// <summary><c>GET /accounts/{account_id}/entries</c>: one page of entries, newest first.</summary>
    public Task<EntryPage> ListEntriesAsync(string accountId, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
        => GetAsync(WithQuery("accounts/" + Segment(accountId) + "/entries", ("limit", Text(limit)), ("cursor", cursor)), ClientJson.Default.EntryPage, cancellationToken);

    /// <summary>Every entry of an account, newest first, fetched page by page as it is enumerated.</summary>
    public async IAsyncEnumerable<Entry> EnumerateEntriesAsync(string accountId, int? pageSize = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListEntriesAsync(accountId, pageSize, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}
