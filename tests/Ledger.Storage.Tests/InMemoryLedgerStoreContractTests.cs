using Ledger.Storage.ContractTests;
using Ledger.Storage.InMemory;

namespace Ledger.Storage.Tests;

/// <summary>The in-memory reference store passes the whole store contract.</summary>
public sealed class InMemoryLedgerStoreContractTests : LedgerStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync() => Task.FromResult<ILedgerStore>(new InMemoryLedgerStore());
}
