using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

/// <summary>Invariant 3 under load: concurrent debits of one account never take it below its floor.</summary>
public abstract class LedgerEngineConcurrencyTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_hundred_concurrent_spends_of_one_against_a_balance_of_ten_give_ten_successes_and_ninety_insufficient_funds(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "fund"));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(index => Task.Run(() => ledger.PostOperationAsync("alice", "CREDIT_SPEND", $"spend-{index}"))));

        Assert.Equal(10, results.Count(result => result.IsSuccess));
        Assert.Equal(90, results.Count(result => result.Error?.Code == ErrorCodes.InsufficientFunds));
        var account = await ledger.AccountAsync("alice");
        Assert.Equal(0, account.Balance);
        Assert.Equal(11, account.LastSequence);
        Assert.Equal(11, (await ledger.AllEntriesAsync("alice")).Count);
        Assert.Equal(Enumerable.Range(0, 10).Reverse(), results.Where(result => result.IsSuccess).Select(result => (int)result.Value.BalanceAfter).Order().Reverse());
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_hundred_concurrent_burns_of_one_against_a_balance_of_ten_leave_exactly_zero(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        await ledger.OpenAsync("acc-1");
        Expect.Success(await ledger.MintAsync("acc-1", 10, "fund"));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(index => Task.Run(() => ledger.BurnAsync("acc-1", 1, $"burn-{index}"))));

        Assert.Equal(10, results.Count(result => result.IsSuccess));
        Assert.Equal(90, results.Count(result => result.Error?.Code == ErrorCodes.InsufficientFunds));
        Assert.Equal(0, (await ledger.AccountAsync("acc-1")).Balance);
        Assert.Equal(0, (await ledger.AllEntriesAsync("acc-1")).Sum(entry => entry.Amount));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Two_engines_on_one_store_debiting_one_account_never_overdraw_it(StoreKind kind)
    {
        // Two engines are two processes: their pipelines do not see each other, so only the account's
        // ETag precondition stands between them and a double spend.
        await using var ledger = CreateLedger(kind);
        var other = ledger.NewEngine(new PartitionPipelineOptions { MaxConflictRetries = 64 });
        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "fund"));

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(index => Task.Run(() =>
            ledger.PostOperationAsync("alice", "CREDIT_SPEND", $"spend-{index}", engine: index % 2 == 0 ? ledger.Engine : other))));

        var successes = results.Count(result => result.IsSuccess);
        var account = await ledger.AccountAsync("alice");
        Assert.All(results.Where(result => !result.IsSuccess), result => Assert.Contains(result.Error!.Code, new[] { ErrorCodes.InsufficientFunds, ErrorCodes.Contention }));
        Assert.True(account.Balance >= 0, $"balance {account.Balance}");
        Assert.Equal(10 - successes, account.Balance);
        Assert.Equal(1 + successes, (await ledger.AllEntriesAsync("alice")).Count);
        Assert.Equal(account.Balance, (await ledger.AllEntriesAsync("alice")).Sum(entry => entry.Amount));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Concurrent_postings_to_many_accounts_each_add_up(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        var owners = Enumerable.Range(0, 8).Select(index => $"user-{index}").ToArray();

        var results = await Task.WhenAll(owners.SelectMany(owner => Enumerable.Range(0, 25).Select(index => Task.Run(() =>
            ledger.PostOperationAsync(owner, index % 5 == 4 ? "CREDIT_SPEND" : "DAILY_REWARD", $"{owner}-{index}")))));

        Assert.All(results, result => Assert.True(result.IsSuccess || result.Error!.Code == ErrorCodes.InsufficientFunds, result.Error?.Code));
        foreach (var owner in owners)
        {
            var account = await ledger.AccountAsync(owner);
            var entries = await ledger.AllEntriesAsync(owner);
            Assert.Equal(entries.Sum(entry => entry.Amount), account.Balance);
            Assert.Equal(Enumerable.Range(1, entries.Count).Reverse().Select(sequence => (long)sequence), entries.Select(entry => entry.Sequence));
            Assert.True(account.Balance >= 0);
        }
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class LedgerEngineConcurrencyInOneCommitTests() : LedgerEngineConcurrencyTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class LedgerEngineConcurrencyClaimFirstTests() : LedgerEngineConcurrencyTests(StoreKind.InMemoryWithoutAtomicCommits);
