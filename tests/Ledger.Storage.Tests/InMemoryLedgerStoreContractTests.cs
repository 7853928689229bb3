using Ledger.Storage.ContractTests;
using Ledger.Storage.InMemory;

namespace Ledger.Storage.Tests;

/// <summary>The in-memory reference store passes the whole store contract and the multi-partition commit contract.</summary>
public sealed class InMemoryLedgerStoreContractTests : AtomicMultiPartitionStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync() => Task.FromResult<ILedgerStore>(new InMemoryLedgerStore());
}

/// <summary>Built without multi-partition commits (as Cosmos DB has none), it still passes the whole store contract.</summary>
public sealed class InMemoryLedgerStoreWithoutAtomicCommitsContractTests : LedgerStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync()
        => Task.FromResult<ILedgerStore>(new InMemoryLedgerStore(TimeProvider.System, commitsAcrossPartitions: false));
}
