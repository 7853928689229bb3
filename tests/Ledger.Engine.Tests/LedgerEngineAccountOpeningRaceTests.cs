using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests;

/// <summary>
/// Opening an account answers the account to its own key, whichever copy of the request got there first:
/// a concurrent repeat, or a store retry of a write that had in fact committed (issue 15).
/// </summary>
public sealed class LedgerEngineAccountOpeningRaceTests
{
    private static Task<Result<AccountState>> OpenAsync(TestLedger ledger, string key)
        => ledger.Engine.OpenAccountAsync(TestLedger.App1, IdempotencyKey.From(key), new OpenAccountCommand(OwnerId.From("alice"), AccountId.From("wallet-1"), 0, null), CancellationToken.None);

    [Fact]
    public async Task An_open_whose_concurrent_repeat_opened_the_account_first_answers_the_account_not_already_exists()
    {
        CountingLedgerStore counting = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => counting = new CountingLedgerStore(store));
        var gate = counting.HoldFirstCommitTo(DocumentTypes.ClaimPartition(TestLedger.App1, IdempotencyKey.From("open-1")), afterCommitting: true);

        // The first request's claim commits, but it hears so only after its repeat, finding the claim,
        // has opened the account.
        var first = OpenAsync(ledger, "open-1");
        await counting.HeldCommitReached;
        var repeat = Expect.Success(await OpenAsync(ledger, "open-1"));
        gate.SetResult();

        Assert.Equal(repeat, Expect.Success(await first));
    }

    [Fact]
    public async Task An_open_whose_committed_write_the_store_retried_into_a_conflict_answers_the_account()
    {
        await using var ledger = TestLedger.Create(StoreKind.InMemoryWithoutAtomicCommits, store => new RetriesFirstCommitStore(store, TestLedger.Partition(TestLedger.App1, AccountId.From("wallet-1"))));

        var opened = Expect.Success(await OpenAsync(ledger, "open-1"));

        Assert.Equal(AccountId.From("wallet-1"), opened.Id);
        Assert.Equal(opened, Expect.Success(await OpenAsync(ledger, "open-1")));
    }

    [Fact]
    public async Task Twenty_concurrent_copies_of_one_open_all_answer_the_account_on_both_commit_paths()
    {
        foreach (var kind in new[] { StoreKind.InMemory, StoreKind.InMemoryWithoutAtomicCommits })
        {
            await using var ledger = TestLedger.Create(kind);

            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => OpenAsync(ledger, "open-1"))));

            Assert.All(answers, answer => Assert.Equal(Expect.Success(answers[0]), Expect.Success(answer)));
        }
    }

    /// <summary>
    /// Commits the first batch to one partition, then answers what a retry of it sees (a conflict), as a
    /// Cosmos DB client does when a write committed but its response was lost and the SDK sent it again.
    /// </summary>
    private sealed class RetriesFirstCommitStore(ILedgerStore inner, string partition) : ILedgerStore
    {
        private int retried;

        public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
        {
            var result = await inner.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
            return batch.Partition == partition && result.IsCommitted && Interlocked.Exchange(ref retried, 1) == 0
                ? await inner.CommitAsync(batch, cancellationToken).ConfigureAwait(false)
                : result;
        }

        public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken) => inner.ReadAsync(partition, id, cancellationToken);

        public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken) => inner.ReadRangeAsync(query, cancellationToken);

        public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken) => inner.QueryIndexAsync(query, cancellationToken);

        public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken) => inner.ReadChangesAsync(continuation, maxItems, cancellationToken);

        public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken) => inner.EstimateLagAsync(continuation, cancellationToken);

        public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(consumerName, cancellationToken);

        public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken) => inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
