using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

/// <summary>Invariant 4: a key takes effect at most once, however many times and however concurrently it is sent.</summary>
public abstract class LedgerEngineIdempotencyTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    private static readonly AppId App1 = TestLedger.App1;

    [Fact]
    public async Task The_same_key_with_the_same_request_returns_the_original_entry_and_takes_effect_once()
    {
        await using var ledger = CreateLedger();
        var original = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));
        ledger.Clock.Advance(TimeSpan.FromMinutes(3));

        var replay = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));

        Assert.Equal(original, replay with { Legs = original.Legs });
        Assert.Equal(original.Legs, replay.Legs);
        Assert.Equal(10, (await ledger.AccountAsync("alice")).Balance);
        Assert.Single(await ledger.AllEntriesAsync("alice"));
    }

    [Fact]
    public async Task A_fixed_operation_sent_with_and_without_its_amount_is_the_same_request()
    {
        await using var ledger = CreateLedger();
        var original = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));

        var replay = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1", amount: 10));

        Assert.Equal(original.TransactionId, replay.TransactionId);
        Assert.Equal(10, (await ledger.AccountAsync("alice")).Balance);
    }

    [Fact]
    public async Task A_mint_replayed_with_the_same_key_returns_the_original_entry_once()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        var original = Expect.Success(await ledger.MintAsync("acc-1", 25, "m1"));
        await ledger.MintAsync("acc-1", 5, "m2");

        var replay = Expect.Success(await ledger.MintAsync("acc-1", 25, "m1"));

        Assert.Equal(original.TransactionId, replay.TransactionId);
        Assert.Equal(1, replay.Sequence);
        Assert.Equal(25, replay.BalanceAfter);
        Assert.Equal(30, (await ledger.AccountAsync("acc-1")).Balance);
    }

    public static TheoryData<string, long?, string> DifferentRequests => new()
    {
        { "alice", (long?)null, "DAILY_REWARD" },
        { "bob", (long?)null, "CREDIT_ADD" },
        { "alice", (long?)7, "CONTENT_ACCESS" },
    };

    [Theory]
    [MemberData(nameof(DifferentRequests))]
    public async Task The_same_key_with_a_different_request_is_refused_as_reused_and_changes_nothing(string owner, long? amount, string operation)
    {
        await using var ledger = CreateLedger();
        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));

        Expect.Failure(await ledger.PostOperationAsync(owner, operation, "n1", amount), ErrorCodes.IdempotencyKeyReused);

        Assert.Equal(10, (await ledger.AccountAsync("alice")).Balance);
        Assert.Null(Expect.Success(await ledger.Engine.FindOwnerAccountAsync(App1, OwnerId.From("bob"), CancellationToken.None)));
    }

    [Fact]
    public async Task A_mint_with_a_different_amount_memo_or_kind_under_a_used_key_is_refused_as_reused()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        var account = AccountId.From("acc-1");
        Expect.Success(await ledger.MintAsync("acc-1", 25, "m1"));

        Expect.Failure(await ledger.MintAsync("acc-1", 26, "m1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await ledger.BurnAsync("acc-1", 25, "m1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, IdempotencyKey.From("m1"), new TransactionPosting(TransactionKind.Mint, account, 25, null, TransactionDetails.From("credit_purchase", "another memo")), CancellationToken.None), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await ledger.PostOperationAsync("acc-1", "CREDIT_ADD", "m1"), ErrorCodes.IdempotencyKeyReused);

        Assert.Equal(25, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task The_same_key_in_another_app_is_another_request()
    {
        await using var ledger = CreateLedger();

        var first = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));
        var second = Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "n1", app: TestLedger.App2));

        Assert.NotEqual(first.TransactionId, second.TransactionId);
        Assert.Equal(10, (await ledger.AccountAsync("alice")).Balance);
        Assert.Equal(1, (await ledger.AccountAsync("alice", TestLedger.App2)).Balance);
    }

    [Fact]
    public async Task A_refused_request_replayed_with_the_same_key_after_funding_gets_the_original_refusal_and_moves_nothing()
    {
        await using var ledger = CreateLedger();
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "reward"));
        var refused = Expect.Failure(await ledger.PostOperationAsync("alice", "CONTENT_CREATION", "create-1"), ErrorCodes.InsufficientFunds);

        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "fund"));
        var replayed = Expect.Failure(await ledger.PostOperationAsync("alice", "CONTENT_CREATION", "create-1"), ErrorCodes.InsufficientFunds);

        // Issue 2: the same key and request get the original status and body again, no second effect.
        Assert.Equal(refused, replayed);
        Assert.Equal(11, (await ledger.AccountAsync("alice")).Balance);
        Expect.Failure(await ledger.PostOperationAsync("alice", "CREDIT_SPEND", "create-1"), ErrorCodes.IdempotencyKeyReused);
    }

    [Fact]
    public async Task A_refund_with_an_invalid_amount_leaves_its_key_free_for_the_corrected_request()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        var mint = Expect.Success(await ledger.MintAsync("acc-1", 10, "buy-1"));
        var mintId = TransactionId.From(mint.TransactionId);

        Expect.Failure(await ledger.Engine.RefundMintAsync(App1, IdempotencyKey.From("refund-1"), AccountId.From("acc-1"), mintId, new RefundRequest(0, null), CancellationToken.None), ErrorCodes.InvalidAmount);
        var refund = Expect.Success(await ledger.Engine.RefundMintAsync(App1, IdempotencyKey.From("refund-1"), AccountId.From("acc-1"), mintId, new RefundRequest(3, null), CancellationToken.None));

        Assert.Equal(-3, refund.Amount);
        Assert.Equal(7, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task A_replay_returns_the_original_entry_even_after_the_account_was_frozen_or_closed()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        var mint = Expect.Success(await ledger.MintAsync("acc-1", 4, "m1"));
        var burn = Expect.Success(await ledger.BurnAsync("acc-1", 4, "b1"));

        Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1")));
        Assert.Equal(mint.TransactionId, Expect.Success(await ledger.MintAsync("acc-1", 4, "m1")).TransactionId);
        Expect.Success(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1")));
        Assert.Equal(burn.TransactionId, Expect.Success(await ledger.BurnAsync("acc-1", 4, "b1")).TransactionId);

        Assert.Equal(2, (await ledger.AllEntriesAsync("acc-1")).Count);
        Assert.Equal(AccountStatus.Closed, (await ledger.AccountAsync("acc-1")).Status);
    }

    [Fact]
    public async Task A_key_that_fits_the_claim_partition_is_accepted()
    {
        await using var ledger = CreateLedger();

        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", new string('k', 246)));
    }

    [Fact]
    public async Task A_key_of_the_longest_allowed_length_is_accepted_for_postings_and_account_openings()
    {
        await using var ledger = CreateLedger();
        var longest = new string('k', IdempotencyKey.MaxLength);

        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", longest));
        Expect.Success(await ledger.Engine.OpenAccountAsync(App1, IdempotencyKey.From(longest.Replace('k', 'o')), new OpenAccountCommand(OwnerId.From("bob"), null, 0, null), CancellationToken.None));
    }

    [Fact]
    public async Task A_request_refused_for_a_missing_account_stays_refused_for_its_key_once_the_account_exists()
    {
        await using var ledger = CreateLedger();
        Expect.Failure(await ledger.MintAsync("acc-1", 5, "m1"), ErrorCodes.AccountNotFound);
        await ledger.OpenAsync("acc-1");

        Expect.Failure(await ledger.MintAsync("acc-1", 5, "m1"), ErrorCodes.AccountNotFound);
        Expect.Success(await ledger.MintAsync("acc-1", 5, "m2"));

        Assert.Equal(5, (await ledger.AccountAsync("acc-1")).Balance);
        Expect.Failure(await ledger.MintAsync("acc-1", 6, "m1"), ErrorCodes.IdempotencyKeyReused);
    }


    /// <summary>Runs the requests concurrently and splits their outcomes into entries and errors.</summary>
    private static async Task<(List<EntryDocument> Entries, List<LedgerError> Errors)> RunAllAsync(IEnumerable<Func<Task<Result<EntryDocument>>>> requests)
    {
        var results = await Task.WhenAll(requests.Select(request => Task.Run(request)));
        return (results.Where(result => result.IsSuccess).Select(result => result.Value).ToList(), results.Where(result => !result.IsSuccess).Select(result => result.Error!).ToList());
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Fifty_concurrent_identical_requests_make_exactly_one_entry_and_change_the_balance_once(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        await ledger.OpenAsync("acc-1");

        var (entries, errors) = await RunAllAsync(Enumerable.Range(0, 50).Select(_ => (Func<Task<Result<EntryDocument>>>)(() => ledger.MintAsync("acc-1", 7, "same-nonce"))));

        var stored = await ledger.AllEntriesAsync("acc-1");
        Assert.Single(stored);
        Assert.Equal(7, (await ledger.AccountAsync("acc-1")).Balance);
        Assert.NotEmpty(entries);
        Assert.Empty(errors);
        Assert.All(entries, entry => Assert.Equal(stored[0].TransactionId, entry.TransactionId));
        Assert.All(entries, entry => Assert.Equal(1, entry.Sequence));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Fifty_concurrent_identical_requests_all_get_the_original_entry(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        await ledger.OpenAsync("acc-1");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => ledger.MintAsync("acc-1", 7, "same-nonce"))));

        Assert.All(results, result => Assert.Equal(1, Expect.Success(result).Sequence));
        Assert.Single(await ledger.AllEntriesAsync("acc-1"));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Fifty_concurrent_identical_operations_to_a_new_owner_open_one_account_with_one_entry(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);

        var (entries, errors) = await RunAllAsync(Enumerable.Range(0, 50).Select(_ => (Func<Task<Result<EntryDocument>>>)(() => ledger.PostOperationAsync("alice", "CREDIT_ADD", "same-nonce"))));

        Assert.Single(await ledger.AllEntriesAsync("alice"));
        Assert.Equal(10, (await ledger.AccountAsync("alice")).Balance);
        Assert.NotEmpty(entries);
        Assert.Empty(errors);
        Assert.All(entries, entry => Assert.Equal(1, entry.Sequence));
    }

    [Fact]
    public async Task Repeats_queued_together_behind_the_original_each_get_the_original_entry_and_do_not_fail_their_batch()
    {
        CountingLedgerStore? counting = null;
        await using var ledger = CreateLedger(wrap: inner => counting = new CountingLedgerStore(inner));
        await ledger.OpenAsync("acc-1");
        var gate = counting!.HoldFirstCommitTo(TestLedger.Partition(App1, AccountId.From("acc-1")));

        // The original reaches the store and waits there; two repeats and an unrelated mint queue behind it.
        var original = Task.Run(() => ledger.MintAsync("acc-1", 7, "same-nonce"));
        await counting.HeldCommitReached;
        var repeats = new[] { Task.Run(() => ledger.MintAsync("acc-1", 7, "same-nonce")), Task.Run(() => ledger.MintAsync("acc-1", 7, "same-nonce")) };
        var unrelated = Task.Run(() => ledger.MintAsync("acc-1", 1, "other-nonce"));
        while (counting.ClaimCommitsFor("app1", ["same-nonce", "other-nonce"]) < 4)
        {
            await Task.Delay(1);
        }

        await Task.Delay(50);
        gate.SetResult();

        var first = Expect.Success(await original);
        Assert.All(await Task.WhenAll(repeats), repeat => Assert.Equal(first.TransactionId, Expect.Success(repeat).TransactionId));
        Expect.Success(await unrelated);
        Assert.Equal(8, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Concurrent_repeats_of_a_debit_that_spends_the_whole_balance_spend_it_once(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "fund"));

        var (entries, errors) = await RunAllAsync(Enumerable.Range(0, 20).Select(_ => (Func<Task<Result<EntryDocument>>>)(() => ledger.PostOperationAsync("alice", "CREDIT_SPEND", "spend-once"))));

        Assert.Equal(0, (await ledger.AccountAsync("alice")).Balance);
        Assert.Equal(2, (await ledger.AllEntriesAsync("alice")).Count);
        Assert.NotEmpty(entries);
        Assert.All(entries, entry => Assert.Equal(-1, entry.Amount));
        Assert.All(errors, error => Assert.Equal(ErrorCodes.InsufficientFunds, error.Code));
    }

    [Fact]
    public async Task A_repeat_of_a_debit_queued_behind_the_original_gets_the_original_entry_not_insufficient_funds()
    {
        CountingLedgerStore? counting = null;
        await using var ledger = CreateLedger(wrap: inner => counting = new CountingLedgerStore(inner));
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "fund"));
        var gate = counting!.HoldFirstCommitTo(TestLedger.Partition(App1, AccountId.From("alice")));

        var original = Task.Run(() => ledger.PostOperationAsync("alice", "CREDIT_SPEND", "spend-once"));
        await counting.HeldCommitReached;
        var repeat = Task.Run(() => ledger.PostOperationAsync("alice", "CREDIT_SPEND", "spend-once"));
        while (counting.ClaimCommitsFor("app1", ["spend-once"]) < 2)
        {
            await Task.Delay(1);
        }

        await Task.Delay(50);
        gate.SetResult();

        var first = Expect.Success(await original);
        Assert.Equal(first.TransactionId, Expect.Success(await repeat).TransactionId);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Concurrent_repeats_of_a_debit_that_spends_the_whole_balance_all_get_the_original_entry(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "fund"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ledger.PostOperationAsync("alice", "CREDIT_SPEND", "spend-once"))));

        Assert.Equal(0, (await ledger.AccountAsync("alice")).Balance);
        Assert.All(results, result => Assert.Equal(-1, Expect.Success(result).Amount));
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class LedgerEngineIdempotencyInOneCommitTests() : LedgerEngineIdempotencyTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class LedgerEngineIdempotencyClaimFirstTests() : LedgerEngineIdempotencyTests(StoreKind.InMemoryWithoutAtomicCommits);
