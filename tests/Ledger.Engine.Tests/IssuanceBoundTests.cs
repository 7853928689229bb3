using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests;

/// <summary>The issuance contra-balance bound through the engine: a mint beyond it is refused and writes nothing.</summary>
public sealed class IssuanceBoundTests
{
    [Fact]
    public async Task A_mint_beyond_the_issuance_bound_is_refused_with_balance_limit_exceeded_and_writes_nothing()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        Expect.Success(await ledger.MintAsync("alice", 10, "m1"));
        var partition = TestLedger.Partition(TestLedger.App1, AccountId.From("alice"));

        // As if alice had minted close to the bound and moved the credits out by transfers.
        var stored = (await ledger.Store.ReadAsync(partition, DocumentTypes.AccountDocumentId, CancellationToken.None))!;
        var deep = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.AccountDocument) with { IssuanceContraBalance = -BalanceLimits.MaxBalance + 5 };
        Assert.True((await ledger.Store.CommitAsync(
            new PartitionBatch(partition, DocumentWrite.Replace(stored.Id, stored.Type, DocumentCodec.Encode(deep, LedgerDocumentJsonContext.Documents.AccountDocument), stored.ETag)),
            CancellationToken.None)).IsCommitted);

        Expect.Failure(await ledger.MintAsync("alice", 6, "m2"), ErrorCodes.BalanceLimitExceeded);

        var after = await ledger.AccountAsync("alice");
        Assert.Equal((1L, 10L, -BalanceLimits.MaxBalance + 5), (after.LastSequence, after.Balance, after.IssuanceContraBalance));
        Assert.Single(await ledger.AllEntriesAsync("alice"));
        Expect.Success(await ledger.MintAsync("alice", 5, "m3"));
    }
}
