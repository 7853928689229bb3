using FsCheck;
using FsCheck.Fluent;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

/// <summary>
/// Random sequences of mints, burns and catalog operations over several accounts in two apps, with nonces
/// drawn from a small pool so that many repeat. A model predicts every outcome; after every step the
/// ledger's invariants are checked against what the engine stores.
/// </summary>
public sealed class LedgerInvariantProperties
{
    public enum StepKind
    {
        Mint,
        Burn,
        SharedLedgerOperation,
        CatalogTransaction,
    }

    public enum AmountChoice
    {
        Omitted,
        Exact,
        Wrong,
    }

    public sealed record Step(StepKind Kind, int App, int Owner, int Amount, int Operation, AmountChoice Choice, int Nonce, int ClockSeconds);

    private sealed record OperationSpec(string Name, int? Fixed, int Sign);

    private static readonly AppId[] Apps = [TestLedger.App1, TestLedger.App2];

    /// <summary>u0 and u1 are opened before the first step (u1 with the case's floor); u2 only ever by the shared-ledger contract.</summary>
    private static readonly string[] Owners = ["u0", "u1", "u2"];

    private static readonly OperationSpec[][] Operations =
    [
        [new("DAILY_REWARD", 1, 1), new("SIGNUP_CREDIT", 3, 1), new("CREDIT_SPEND", 1, -1), new("CREDIT_ADD", 10, 1), new("CONTENT_CREATION", 5, -1), new("CONTENT_ACCESS", null, -1)],
        [new("DAILY_REWARD", 1, 1), new("SIGNUP_CREDIT", 3, 1), new("CREDIT_SPEND", 1, -1), new("CREDIT_ADD", 10, 1)],
    ];

    private static readonly Gen<Step> Steps =
        from kind in Gen.Frequency((2, Gen.Constant(StepKind.Mint)), (2, Gen.Constant(StepKind.Burn)), (4, Gen.Constant(StepKind.SharedLedgerOperation)), (2, Gen.Constant(StepKind.CatalogTransaction)))
        from app in Gen.Choose(0, 1)
        from owner in Gen.Choose(0, 2)
        from amount in Gen.Choose(1, 30)
        from operation in Gen.Choose(0, 5)
        from choice in Gen.Frequency((4, Gen.Constant(AmountChoice.Omitted)), (4, Gen.Constant(AmountChoice.Exact)), (1, Gen.Constant(AmountChoice.Wrong)))
        from nonce in Gen.Choose(0, 14)
        from clock in Gen.Frequency((1, Gen.Choose(-30, -1)), (4, Gen.Choose(0, 60)))
        select new Step(kind, app, owner, amount, operation, choice, nonce, clock);

    private static readonly Arbitrary<Step[]> Histories = Arb.From(
        from length in Gen.Choose(1, 40)
        from steps in Steps.ArrayOf(length)
        select steps,
        steps => Enumerable.Range(0, steps.Length).Select(skip => steps.Where((_, index) => index != skip).ToArray()));

    private static readonly Arbitrary<long> Floors = Gen.Elements(0L, -5L, -40L).ToArbitrary();

    [Fact]
    public void After_every_step_balances_legs_floors_and_issuance_add_up_and_replays_change_nothing()
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        Prop.ForAll(Histories, Floors, (steps, floor) => RunAsync(steps, floor, seen).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(80));

        // The generator must reach every kind of outcome, or the property proves less than it says.
        foreach (var outcome in new[] { "posted", "opened-on-first-use", "replayed", ErrorCodes.IdempotencyKeyReused, ErrorCodes.InsufficientFunds, ErrorCodes.AccountNotFound, ErrorCodes.AmountMismatch, ErrorCodes.MissingField })
        {
            Assert.True(seen.GetValueOrDefault(outcome) > 0, $"no step ended as {outcome}");
        }
    }

    private sealed class ModelAccount
    {
        public bool Exists { get; set; }
        public long Floor { get; set; }
        public long Balance { get; set; }
        public long Sequence { get; set; }
    }

    /// <summary>What a step means, decided before it reaches the engine.</summary>
    private sealed record Meaning(string RequestKey, string? ValidationError, long SignedAmount, long? SuppliedAmount, OperationSpec? Operation);

    private static Meaning Describe(Step step)
    {
        var owner = Owners[step.Owner];
        switch (step.Kind)
        {
            case StepKind.Mint:
                return new Meaning($"tx|{owner}|mint|{step.Amount}", null, step.Amount, step.Amount, null);
            case StepKind.Burn:
                return new Meaning($"tx|{owner}|burn|{step.Amount}", null, -step.Amount, step.Amount, null);
            default:
                var catalog = Operations[step.App];
                var operation = catalog[step.Operation % catalog.Length];
                long? supplied;
                long magnitude;
                string? error = null;
                if (operation.Fixed is { } fixedAmount)
                {
                    magnitude = fixedAmount;
                    supplied = step.Choice switch
                    {
                        AmountChoice.Omitted => null,
                        AmountChoice.Exact => fixedAmount,
                        _ => fixedAmount + step.Amount,
                    };
                    error = step.Choice == AmountChoice.Wrong ? ErrorCodes.AmountMismatch : null;
                }
                else
                {
                    magnitude = step.Amount;
                    supplied = step.Choice == AmountChoice.Omitted ? null : step.Amount;
                    error = step.Choice == AmountChoice.Omitted ? ErrorCodes.MissingField : null;
                }

                var scope = step.Kind == StepKind.SharedLedgerOperation ? "op" : "tx-op";
                return new Meaning($"{scope}|{owner}|{operation.Name}|{magnitude}", error, operation.Sign * magnitude, supplied, operation);
        }
    }

    private static Task<Result<EntryDocument>> SendAsync(LedgerEngine engine, Step step, Meaning meaning)
    {
        var app = Apps[step.App];
        var key = IdempotencyKey.From($"n{step.Nonce}");
        var account = AccountId.From(Owners[step.Owner]);
        return step.Kind switch
        {
            StepKind.Mint => engine.PostTransactionAsync(app, key, new TransactionPosting(TransactionKind.Mint, account, meaning.SuppliedAmount, null, TestLedger.Reason("credit_purchase")), CancellationToken.None),
            StepKind.Burn => engine.PostTransactionAsync(app, key, new TransactionPosting(TransactionKind.Burn, account, meaning.SuppliedAmount, null, TestLedger.Reason("creator_payout")), CancellationToken.None),
            StepKind.SharedLedgerOperation => engine.PostOperationAsync(app, key, new OperationPosting(OwnerId.From(Owners[step.Owner]), meaning.Operation!.Name, meaning.SuppliedAmount), CancellationToken.None),
            _ => engine.PostTransactionAsync(app, key, new TransactionPosting(TransactionKind.Operation, account, meaning.SuppliedAmount, meaning.Operation!.Name, null), CancellationToken.None),
        };
    }

    private static async Task RunAsync(Step[] steps, long floor, Dictionary<string, int> seen)
    {
        await using var ledger = TestLedger.Create();
        var accounts = new Dictionary<(int App, int Owner), ModelAccount>();
        for (var app = 0; app < Apps.Length; app++)
        {
            for (var owner = 0; owner < Owners.Length; owner++)
            {
                accounts[(app, owner)] = new ModelAccount();
            }

            await ledger.OpenAsync("u0", owner: "u0", app: Apps[app]);
            await ledger.OpenAsync("u1", owner: "u1", floor: floor, app: Apps[app]);
            accounts[(app, 0)].Exists = true;
            accounts[(app, 1)].Exists = true;
            accounts[(app, 1)].Floor = floor;
        }

        var claims = new Dictionary<(int App, int Nonce), string>();
        var originals = new Dictionary<(int App, int Nonce), (Step Step, EntryDocument Entry)>();
        var refusals = new Dictionary<(int App, int Nonce), string>();
        long issued = 0;

        foreach (var step in steps)
        {
            ledger.Clock.Advance(TimeSpan.FromSeconds(step.ClockSeconds));
            var meaning = Describe(step);
            var result = await SendAsync(ledger.Engine, step, meaning);
            var claimKey = (step.App, step.Nonce);
            void Seen(string outcome) => seen[outcome] = seen.GetValueOrDefault(outcome) + 1;

            if (meaning.ValidationError is { } validationError)
            {
                // Refused before the key is claimed: the key stays free.
                Expect.Failure(result, validationError);
                Seen(validationError);
            }
            else if (claims.TryGetValue(claimKey, out var claimedFor) && claimedFor != meaning.RequestKey)
            {
                Expect.Failure(result, ErrorCodes.IdempotencyKeyReused);
                Seen(ErrorCodes.IdempotencyKeyReused);
            }
            else if (originals.TryGetValue(claimKey, out var original))
            {
                AssertSameEntry(original.Entry, Expect.Success(result));
                Seen("replayed");
            }
            else if (refusals.TryGetValue(claimKey, out var originalRefusal))
            {
                // Issue 2: a repeat gets the original status and body, also when the original was refused.
                Expect.Failure(result, originalRefusal);
                Seen("replayed-refusal");
            }
            else
            {
                claims[claimKey] = meaning.RequestKey;
                var account = accounts[(step.App, step.Owner)];
                var opensOnFirstUse = step.Kind == StepKind.SharedLedgerOperation;
                var floorNow = account.Exists ? account.Floor : 0;
                if (!account.Exists && !opensOnFirstUse)
                {
                    Expect.Failure(result, ErrorCodes.AccountNotFound);
                    Seen(ErrorCodes.AccountNotFound);
                    refusals[claimKey] = ErrorCodes.AccountNotFound;
                }
                else if (account.Balance + meaning.SignedAmount < floorNow)
                {
                    Expect.Failure(result, ErrorCodes.InsufficientFunds);
                    Seen(ErrorCodes.InsufficientFunds);
                    refusals[claimKey] = ErrorCodes.InsufficientFunds;
                }
                else
                {
                    Seen(account.Exists ? "posted" : "opened-on-first-use");
                    account.Exists = true;
                    account.Balance += meaning.SignedAmount;
                    account.Sequence++;
                    issued += meaning.SignedAmount;
                    var entry = Expect.Success(result);
                    Assert.Equal(account.Sequence, entry.Sequence);
                    Assert.Equal(meaning.SignedAmount, entry.Amount);
                    Assert.Equal(account.Balance, entry.BalanceAfter);
                    Assert.Equal(Owners[step.Owner], entry.AccountId);
                    originals[claimKey] = (step, entry);
                }
            }

            await AssertInvariantsAsync(ledger, accounts, issued);
        }

        // Every request that took effect, sent again in any later state, returns its original entry and changes nothing.
        foreach (var (step, entry) in originals.Values)
        {
            AssertSameEntry(entry, Expect.Success(await SendAsync(ledger.Engine, step, Describe(step))));
        }

        await AssertInvariantsAsync(ledger, accounts, issued);
    }

    private static void AssertSameEntry(EntryDocument expected, EntryDocument actual)
    {
        Assert.Equal(expected.TransactionId, actual.TransactionId);
        Assert.Equal(expected.AccountId, actual.AccountId);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.BalanceAfter, actual.BalanceAfter);
        Assert.Equal(expected.PostedAt, actual.PostedAt);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Operation, actual.Operation);
        Assert.Equal(expected.Legs, actual.Legs);
    }

    private static async Task AssertInvariantsAsync(TestLedger ledger, Dictionary<(int App, int Owner), ModelAccount> model, long issued)
    {
        long userBalances = 0;
        long contraBalances = 0;
        foreach (var ((app, owner), expected) in model)
        {
            var stored = await ledger.Engine.GetAccountAsync(Apps[app], AccountId.From(Owners[owner]), CancellationToken.None);
            Assert.Equal(expected.Exists, stored.IsSuccess);
            if (!expected.Exists)
            {
                continue;
            }

            var account = stored.Value;
            var entries = await ledger.AllEntriesAsync(Owners[owner], Apps[app]);
            Assert.Equal(expected.Balance, account.Balance);
            Assert.Equal(expected.Sequence, account.LastSequence);
            Assert.Equal(expected.Sequence, entries.Count);
            Assert.Equal(account.Balance, entries.SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == account.Id.Value).Sum(leg => leg.Amount));
            Assert.Equal(account.IssuanceContraBalance, entries.SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == AccountId.Issuance.Value).Sum(leg => leg.Amount));
            Assert.All(entries, entry => Assert.Equal(0, entry.Legs.Sum(leg => leg.Amount)));
            Assert.True(account.Available >= account.Floor, $"{account.Id} has {account.Available} available below its floor {account.Floor}");
            Assert.True(entries.Zip(entries.Skip(1)).All(pair => pair.First.PostedAt >= pair.Second.PostedAt), "posting times go backwards");
            userBalances += account.Balance;
            contraBalances += account.IssuanceContraBalance;
        }

        Assert.Equal(issued, userBalances);
        Assert.Equal(-contraBalances, userBalances);
    }
}
