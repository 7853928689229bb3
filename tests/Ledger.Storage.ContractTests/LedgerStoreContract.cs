using System.Text;
using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>
/// What every <see cref="ILedgerStore"/> must do, stated as facts. A store's test project derives a
/// class from this one and says how to make a fresh, empty store; every fact then runs against it.
/// The facts use nothing but the port, so the SQLite, in-memory and Cosmos DB stores are held to the
/// same meaning.
/// </summary>
public abstract partial class LedgerStoreContract : IAsyncLifetime
{
    /// <summary>No single fact should take anywhere near this long; it turns a hang into a failure.</summary>
    private static readonly TimeSpan FactTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource timeout = new();
    private ILedgerStore? store;

    /// <summary>The store under test: fresh and empty for each fact.</summary>
    protected ILedgerStore Store => store ?? throw new InvalidOperationException("The store is made in InitializeAsync.");

    /// <summary>Cancelled when the fact has run too long.</summary>
    protected CancellationToken Timeout => timeout.Token;

    public async Task InitializeAsync()
    {
        timeout.CancelAfter(FactTimeout);
        store = await CreateStoreAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }
        }
        finally
        {
            timeout.Dispose();
            await OnStoreDisposedAsync();
        }
    }

    /// <summary>Makes a new, empty store for one fact.</summary>
    protected abstract Task<ILedgerStore> CreateStoreAsync();

    /// <summary>Runs after the store is disposed: the place to delete files or containers it used.</summary>
    protected virtual Task OnStoreDisposedAsync() => Task.CompletedTask;

    protected static ReadOnlyMemory<byte> Body(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(StoredDocument? document)
    {
        Assert.NotNull(document);
        return Encoding.UTF8.GetString(document.Body.Span);
    }

    protected static DocumentWrite Create(string id, string body, string type = "entry", long? sortKey = null, string? indexKey = null)
        => DocumentWrite.Create(id, type, Body(body), sortKey, indexKey);

    protected async Task<BatchResult> CommitAsync(string partition, params DocumentWrite[] writes)
        => await Store.CommitAsync(new PartitionBatch(partition, writes), Timeout);

    /// <summary>Commits and insists it committed; for the set-up steps of a fact.</summary>
    protected async Task<BatchResult> CommitOrFailAsync(string partition, params DocumentWrite[] writes)
    {
        var result = await CommitAsync(partition, writes);
        Assert.True(result.IsCommitted, $"Set-up batch in '{partition}' failed with {result.Outcome} at write {result.FailedWriteIndex}.");
        return result;
    }

    /// <summary>Creates one document and returns its ETag.</summary>
    protected async Task<string> CreateAsync(string partition, string id, string body, string type = "entry", long? sortKey = null, string? indexKey = null)
    {
        var result = await CommitOrFailAsync(partition, Create(id, body, type, sortKey, indexKey));
        return result.ETags[0];
    }

    protected async Task<StoredDocument?> ReadAsync(string partition, string id) => await Store.ReadAsync(partition, id, Timeout);

    protected async Task<IReadOnlyList<StoredDocument>> ReadRangeAsync(
        string partition,
        string type,
        long? minSortKey = null,
        long? maxSortKey = null,
        bool descending = false,
        int limit = StoreLimits.MaxPageSize)
        => await Store.ReadRangeAsync(new RangeQuery(partition, type, minSortKey, maxSortKey, descending, limit), Timeout);

    protected async Task<DocumentPage> QueryIndexAsync(string type, string indexKey, bool prefix = false, string? continuation = null, int limit = StoreLimits.MaxPageSize)
        => await Store.QueryIndexAsync(new IndexQuery(type, indexKey, prefix, continuation, limit), Timeout);

    /// <summary>Follows continuations to the end; fails if the pages never end.</summary>
    protected async Task<(List<StoredDocument> Documents, int Pages)> QueryWholeIndexAsync(string type, string indexKey, bool prefix, int pageSize)
    {
        const int maxPages = 1000;
        var documents = new List<StoredDocument>();
        string? continuation = null;
        for (var pages = 1; pages <= maxPages; pages++)
        {
            var page = await QueryIndexAsync(type, indexKey, prefix, continuation, pageSize);
            Assert.True(page.Documents.Count <= pageSize, $"A page of {page.Documents.Count} documents exceeds the limit of {pageSize}.");
            documents.AddRange(page.Documents);
            if (page.Continuation is null)
            {
                return (documents, pages);
            }

            continuation = page.Continuation;
        }

        throw new Xunit.Sdk.XunitException($"The index query did not finish within {maxPages} pages.");
    }

    /// <summary>Reads the change feed from <paramref name="continuation"/> to its head.</summary>
    protected async Task<(List<StoredDocument> Changes, string Continuation)> ReadAllChangesAsync(string? continuation = null, int pageSize = 100)
    {
        const int maxPages = 1000;
        var changes = new List<StoredDocument>();
        for (var pages = 0; pages < maxPages; pages++)
        {
            var page = await Store.ReadChangesAsync(continuation, pageSize, Timeout);
            Assert.True(page.Changes.Count <= pageSize, $"A change page of {page.Changes.Count} exceeds the limit of {pageSize}.");
            Assert.False(string.IsNullOrEmpty(page.Continuation), "A change page always carries a continuation.");
            continuation = page.Continuation;
            if (page.Changes.Count == 0)
            {
                return (changes, continuation);
            }

            changes.AddRange(page.Changes);
        }

        throw new Xunit.Sdk.XunitException($"The change feed did not reach its head within {maxPages} pages.");
    }

    protected static IEnumerable<string> Ids(IEnumerable<StoredDocument> documents) => documents.Select(document => document.Id);
}
