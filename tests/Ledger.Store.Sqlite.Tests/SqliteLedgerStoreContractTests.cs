using Ledger.Storage;
using Ledger.Storage.ContractTests;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>
/// The SQLite store passes the whole store contract and the multi-partition commit contract, each fact
/// on a new file in a new directory.
/// </summary>
public sealed class SqliteLedgerStoreContractTests : AtomicMultiPartitionStoreContract
{
    private readonly TemporaryDirectory directory = new();

    protected override Task<ILedgerStore> CreateStoreAsync()
        => Task.FromResult<ILedgerStore>(new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory.Path }));

    protected override Task OnStoreDisposedAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}
