using Ledger.Engine.Partitions;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Support;

/// <summary>
/// A suite that runs on both of the engine's commit paths: each derived class names the in-memory store
/// its facts get where they ask for <see cref="StoreKind.InMemory"/>. With multi-partition commits a
/// claim rides in its effect's commit and a transfer is one commit; without (as on Cosmos DB) the claim
/// commits first and a transfer runs its saga. Every fact must hold on both.
/// </summary>
public abstract class OnBothCommitPaths(StoreKind inMemory)
{
    private protected TestLedger CreateLedger(StoreKind kind = StoreKind.InMemory, Func<ILedgerStore, ILedgerStore>? wrap = null, PartitionPipelineOptions? options = null)
        => TestLedger.Create(kind == StoreKind.InMemory ? inMemory : kind, wrap, options);
}
