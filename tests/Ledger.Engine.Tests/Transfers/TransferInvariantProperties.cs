using FsCheck;
using FsCheck.Fluent;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>
/// Random histories of transfers, holds, captures (full and partial), voids, refunds (full, partial, of
/// refunds), mints, burns, freezes, clock jumps with recovery sweeps, restarts (a new engine over the same
/// store) and sagas stopped mid-way by an injected store fault. Keys come from small pools, so requests
/// repeat and keys are reused. Each outcome the ledger's state decides is predicted from the state before
/// the step; after every step the whole ledger is audited (<see cref="LedgerAudit"/>); at the end every
/// transfer is driven to a final state and every request that took effect is replayed without effect.
/// </summary>
public sealed class TransferInvariantProperties
{
    public enum OpKind
    {
        Mint,
        Burn,
        Transfer,
        Hold,
        Capture,
        Void,
        Refund,
        RefundOfRefund,
        Expire,
        Recover,
        Freeze,
        Unfreeze,
        Restart,
        StoppedTransfer,
        StoppedCapture,
        StoppedRefund,
    }

    public sealed record Op(OpKind Kind, int From, int To, int Amount, int Key, int Pick, bool Variant, int Seconds, CrashPoint Crash)
    {
        public override string ToString() => $"{Kind}(from a{From}, to a{To}, amount {Amount}, key {Key}, pick {Pick}, {(Variant ? "variant" : "plain")}, {Seconds}s, {Crash})";
    }

    private static readonly string[] Accounts = ["a0", "a1", "a2", "a3"];

    /// <summary>a3 may go 20 below zero; the others stop at zero.</summary>
    private static readonly long[] Floors = [0, 0, 0, -20];

    private static readonly Gen<Op> Ops =
        from kind in Gen.Frequency(
            (2, Gen.Constant(OpKind.Mint)),
            (1, Gen.Constant(OpKind.Burn)),
            (8, Gen.Constant(OpKind.Transfer)),
            (5, Gen.Constant(OpKind.Hold)),
            (5, Gen.Constant(OpKind.Capture)),
            (2, Gen.Constant(OpKind.Void)),
            (5, Gen.Constant(OpKind.Refund)),
            (1, Gen.Constant(OpKind.RefundOfRefund)),
            (2, Gen.Constant(OpKind.Expire)),
            (1, Gen.Constant(OpKind.Recover)),
            (2, Gen.Constant(OpKind.Freeze)),
            (2, Gen.Constant(OpKind.Unfreeze)),
            (1, Gen.Constant(OpKind.Restart)),
            (2, Gen.Constant(OpKind.StoppedTransfer)),
            (1, Gen.Constant(OpKind.StoppedCapture)),
            (1, Gen.Constant(OpKind.StoppedRefund)))
        from origin in Gen.Choose(0, 3)
        from offset in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(1, 3)))
        from amount in Gen.Choose(1, 60)
        from key in Gen.Choose(0, 9)
        from pick in Gen.Choose(0, 999)
        from variant in Gen.Elements(true, false)
        from seconds in Gen.Choose(1, 900)
        from crash in Gen.Elements(Enum.GetValues<CrashPoint>())
        select new Op(kind, origin, (origin + offset) % 4, amount, key, pick, variant, seconds, crash);

    private static readonly Arbitrary<Op[]> Histories = Arb.From(
        from length in Gen.Choose(1, 35)
        from ops in Ops.ArrayOf(length)
        select ops,
        ops => Enumerable.Range(0, ops.Length).Select(skip => ops.Where((_, index) => index != skip).ToArray()));

    /// <summary>Outcomes the random histories must reach in every run, so a generator change cannot quietly stop covering one.</summary>
    private static readonly string[] RequiredOutcomes =
    [
        "transfer posted", "transfer voided account_frozen", "transfer insufficient_funds", "transfer same_account_transfer",
        "transfer replayed", "hold replayed", "key reused", "hold placed", "capture full", "capture partial", "capture hold_expired",
        "capture hold_already_resolved", "capture_exceeds_hold", "void", "void again", "hold expired by a sweep",
        "refund posted", "refund_exceeds_remaining", "transfer_not_refundable", "refund of a refund refused",
        "restart", "stopped and recovered", "freeze",
    ];

    [Fact]
    public void Random_histories_with_stops_expiries_freezes_and_restarts_keep_every_ledger_invariant()
    {
        var reached = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        Prop.ForAll(Histories, ops => new History(ops, reached, twoLiveEngines: false).RunAsync().GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(120));

        var missing = RequiredOutcomes.Where(outcome => !reached.ContainsKey(outcome)).ToArray();
        Assert.True(missing.Length == 0, $"No history reached: {string.Join(", ", missing)}. Reached: {string.Join(", ", reached.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} ×{pair.Value}"))}");
    }

    /// <summary>
    /// The same histories with two engines alive at once (two processes of one ledger): a restart op instead
    /// switches to the other engine, whose account cache has fallen behind everything the first one did.
    /// Every outcome must still be the one the state decides.
    /// </summary>
    [Fact]
    public void Random_histories_on_two_live_engines_whose_caches_fall_behind_keep_every_ledger_invariant_and_decide_on_the_current_state()
        => Prop.ForAll(Histories, ops => new History(ops, new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal), twoLiveEngines: true).RunAsync().GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(120));

    /// <summary>What the model knows of a key: the request it was first used for, whether it took effect, and the refusal if it did not.</summary>
    private sealed record Claim(string Fingerprint, Known Outcome, string? Refusal = null);

    private enum Known
    {
        Refused,
        TookEffect,
        Unknown,
    }

    private sealed class History(Op[] ops, System.Collections.Concurrent.ConcurrentDictionary<string, int> reached, bool twoLiveEngines) : IAsyncDisposable
    {
        private LedgerEngine? otherEngine;

        private readonly Dictionary<string, Claim> claims = new(StringComparer.Ordinal);
        private readonly HashSet<string> frozen = new(StringComparer.Ordinal);
        private readonly List<(Func<LedgerEngine, Task<string?>> Replay, string Description)> replays = [];
        private TestLedger ledger = null!;
        private FaultInjectingLedgerStore faults = null!;
        private LedgerEngine engine = null!;
        private AuditReport report = null!;
        private long issued;
        private (string Original, string Key, long? Amount)? lastRefund;
        private (string From, string To, long Amount, string Key)? lastTransfer;
        private (string From, string To, long Amount, string Key, int Seconds)? lastHold;

        public async Task RunAsync()
        {
            ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
            await using var _ = this;
            engine = ledger.Engine;
            for (var index = 0; index < Accounts.Length; index++)
            {
                await ledger.OpenAsync(Accounts[index], owner: "owner-" + Accounts[index], floor: Floors[index]);
            }

            foreach (var account in Accounts.Take(3))
            {
                Expect.Success(await ledger.MintAsync(account, 100, "fund-" + account));
                issued += 100;
            }

            report = await LedgerAudit.CheckAsync(engine, TransferKit.App, issued);
            for (var step = 0; step < ops.Length; step++)
            {
                try
                {
                    await ApplyAsync(step, ops[step]);
                    report = await LedgerAudit.CheckAsync(engine, TransferKit.App, issued);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    throw new InvalidOperationException($"Step {step} {ops[step]} failed: {exception.Message}", exception);
                }
            }

            // The end: a restart drives whatever a stop left open, the clock passes every hold's expiry, and
            // every transfer, hold and refund is final.
            engine = ledger.NewEngine();
            await engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
            ledger.Clock.Advance(TransferRules.MaxHoldDuration + TimeSpan.FromSeconds(1));
            await engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
            var final = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);

            // Every request that took effect, sent again now, answers its own transfer and moves nothing.
            foreach (var (replay, description) in replays)
            {
                Assert.True(await replay(engine) is null, description);
            }

            var replayed = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);
            Assert.Equal(final.Accounts, replayed.Accounts);
            Assert.Equal(final.Transfers.Count, replayed.Transfers.Count);
        }

        public async ValueTask DisposeAsync() => await ledger.DisposeAsync();

        private void Reach(string outcome) => reached.AddOrUpdate(outcome, 1, (_, count) => count + 1);

        private void ReachOutcome<T>(string operation, Result<T> result) => Reach(result.IsSuccess ? operation : result.Error!.Code == ErrorCodes.IdempotencyKeyReused ? "key reused" : $"{operation} {result.Error.Code}");

        private AccountState Account(string id) => report.Accounts[id];

        private DateTimeOffset Now => ledger.Clock.GetUtcNow();

        private TransferDocument[] Ordered(Func<TransferDocument, bool> filter)
            => report.Transfers.Values.Where(filter).OrderBy(transfer => transfer.CreatedAt).ThenBy(transfer => transfer.TransferId, StringComparer.Ordinal).ToArray();

        private static T? Pick<T>(T[] items, int pick) where T : class => items.Length == 0 ? null : items[pick % items.Length];

        private async Task ApplyAsync(int step, Op op)
        {
            var from = Accounts[op.From];
            var to = Accounts[op.To];
            switch (op.Kind)
            {
                case OpKind.Mint:
                    var minted = await engine.PostTransactionAsync(TransferKit.App, IdempotencyKey.From($"m{step}"), new TransactionPosting(TransactionKind.Mint, AccountId.From(from), op.Amount, null, TestLedger.Reason()), CancellationToken.None);
                    ExpectPosting(minted, from, op.Amount, debit: false);
                    issued += minted.IsSuccess ? op.Amount : 0;
                    break;

                case OpKind.Burn:
                    var burned = await engine.PostTransactionAsync(TransferKit.App, IdempotencyKey.From($"b{step}"), new TransactionPosting(TransactionKind.Burn, AccountId.From(from), op.Amount, null, TestLedger.Reason("creator_payout")), CancellationToken.None);
                    ExpectPosting(burned, from, op.Amount, debit: true);
                    issued -= burned.IsSuccess ? op.Amount : 0;
                    break;

                case OpKind.Transfer when op.Variant && op.Amount % 3 == 0 && lastTransfer is { } again:
                    // The last transfer request sent again, byte for byte: a replay.
                    await TransferAsync(again.From, again.To, again.Amount, again.Key);
                    break;

                case OpKind.Transfer:
                    lastTransfer = (from, to, op.Amount, $"k{op.Key}");
                    await TransferAsync(from, to, op.Amount, $"k{op.Key}");
                    break;

                case OpKind.Hold when op.Variant && op.Amount % 3 == 0 && lastHold is { } againHold:
                    await HoldAsync(againHold.From, againHold.To, againHold.Amount, againHold.Key, againHold.Seconds);
                    break;

                case OpKind.Hold:
                    lastHold = (from, to, op.Amount, $"k{op.Key}", op.Seconds);
                    await HoldAsync(from, to, op.Amount, $"k{op.Key}", op.Seconds);
                    break;

                case OpKind.Capture:
                    if (Pick(Ordered(transfer => transfer.Kind == "hold"), op.Pick) is { } hold)
                    {
                        await CaptureAsync(hold, op.Variant ? 1 + (op.Amount % (hold.Amount + 3)) : null, $"c{op.Key % 5}");
                    }

                    break;

                case OpKind.Void:
                    if (Pick(Ordered(transfer => transfer.Kind == "hold"), op.Pick) is { } voidable)
                    {
                        await VoidAsync(voidable);
                    }

                    break;

                case OpKind.Refund:
                    if (op.Variant && lastRefund is { } last)
                    {
                        await RefundAsync(report.Transfer(last.Original), last.Key, last.Amount);
                    }
                    else if (Pick(Ordered(transfer => transfer.State == "posted" || transfer.Key() % 3 == 0), op.Pick) is { } original)
                    {
                        await RefundAsync(original, $"r{step}", op.Amount % 4 == 0 ? null : 1 + (op.Amount % 40));
                    }

                    break;

                case OpKind.RefundOfRefund:
                    if (Pick(Ordered(transfer => transfer.Kind == "refund"), op.Pick) is { } refund)
                    {
                        var refused = await TransferKit.RefundAsync(engine, refund.TransferId, $"rr{step}");
                        Expect.Failure(refused, ErrorCodes.TransferNotRefundable);
                        Reach("refund of a refund refused");
                    }

                    break;

                case OpKind.Expire:
                    ledger.Clock.Advance(TimeSpan.FromSeconds(op.Seconds));
                    await RecoverAsync();
                    break;

                case OpKind.Recover:
                    await RecoverAsync();
                    break;

                case OpKind.Freeze:
                    Expect.Success(await engine.FreezeAsync(TransferKit.App, AccountId.From(from)));
                    frozen.Add(from);
                    Reach("freeze");
                    break;

                case OpKind.Unfreeze:
                    Expect.Success(await engine.UnfreezeAsync(TransferKit.App, AccountId.From(from)));
                    frozen.Remove(from);
                    break;

                case OpKind.Restart when twoLiveEngines:
                    // Switch to the other live engine (made on first use); the one left behind stays alive.
                    (engine, otherEngine) = (otherEngine ?? ledger.NewEngine(), engine);
                    Reach("restart");
                    break;

                case OpKind.Restart:
                    engine = ledger.NewEngine();
                    Reach("restart");
                    break;

                case OpKind.StoppedTransfer:
                    await StoppedAsync(op.Crash, () => TransferKit.TransferAsync(engine, from, to, op.Amount, $"x{step}"));
                    claims[$"x{step}"] = new Claim(TransferFingerprint(from, to, op.Amount), Known.Unknown);
                    break;

                case OpKind.StoppedCapture:
                    if (Pick(Ordered(transfer => transfer.Kind == "hold"), op.Pick) is { } stoppedHold)
                    {
                        await StoppedAsync(op.Crash, () => TransferKit.CaptureAsync(engine, stoppedHold.TransferId, $"xc{step}"));
                        claims[$"xc{step}"] = new Claim($"capture|{stoppedHold.TransferId}|", Known.Unknown);
                    }

                    break;

                case OpKind.StoppedRefund:
                    if (Pick(Ordered(transfer => transfer.State == "posted" && transfer.Kind != "refund"), op.Pick) is { } stoppedOriginal)
                    {
                        await StoppedAsync(op.Crash, () => TransferKit.RefundAsync(engine, stoppedOriginal.TransferId, $"xr{step}", 1));
                    }

                    break;
            }
        }

        private static void ExpectPosting(Result<EntryDocument> result, string account, long amount, bool debit)
        {
            if (result.IsSuccess)
            {
                Assert.Equal(debit ? -amount : amount, result.Value.Amount);
                Assert.Equal(account, result.Value.AccountId);
            }
            else
            {
                Assert.Contains(result.Error!.Code, new[] { ErrorCodes.AccountFrozen, ErrorCodes.InsufficientFunds });
            }
        }

        private async Task StoppedAsync<T>(CrashPoint point, Func<Task<Result<T>>> call)
        {
            var (rule, timing) = SagaCommits.FaultAt(point);
            faults.Arm(rule, timing);
            try
            {
                await call();
            }
            catch (StoreUnavailableException)
            {
                // The stop hit the request's own reservation: the request fails, and recovery owns the rest.
            }
            finally
            {
                faults.Disarm();
            }
        }

        private async Task RecoverAsync()
        {
            var stopped = report.Open.Count(open => open.State == "crediting");
            var expiring = report.Open.Count(open => open.State == "reserved" && open.ExpiresAt <= Now);
            await engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
            if (stopped > 0)
            {
                Reach("stopped and recovered");
            }

            if (expiring > 0)
            {
                Reach("hold expired by a sweep");
            }

            // Nothing is left half-way, and every hold past its expiry is voided as expired.
            var settled = await LedgerAudit.CheckSettledAsync(engine, TransferKit.App, issued);
            Assert.All(
                settled.Transfers.Values.Where(hold => hold.Kind == "hold" && hold.State == "voided" && hold.SettleAmount is null && hold.FailureCode != "hold_voided"),
                hold => Assert.Equal(ErrorCodes.HoldExpired, hold.FailureCode));
        }

        private static string TransferFingerprint(string from, string to, long amount) => $"transfer|{from}|{to}|{amount}";

        /// <summary>
        /// What a reservation (transfer, hold or refund out of <paramref name="source"/>) is decided as, from the
        /// state before it: null for success.
        /// </summary>
        private string? ReserveRefusal(string source, long amount)
        {
            var account = Account(source);
            if (frozen.Contains(source))
            {
                return ErrorCodes.AccountFrozen;
            }

            return account.Available - amount < account.Floor ? ErrorCodes.InsufficientFunds : null;
        }

        /// <summary>Checks a claim against the model; returns whether the outcome is predictable and, if it repeats a request that took effect, says so.</summary>
        private (bool Predictable, bool RepeatOfEffect, string? Refusal) Claimed(string key, string fingerprint)
        {
            if (!claims.TryGetValue(key, out var claim))
            {
                return (true, false, null);
            }

            if (claim.Fingerprint != fingerprint)
            {
                return (true, false, ErrorCodes.IdempotencyKeyReused);
            }

            // A refusal is the key's recorded outcome (DESIGN.md: a retry returns the original result),
            // transfer_not_refundable included.
            return claim.Outcome switch
            {
                Known.TookEffect => (true, true, null),
                Known.Unknown => (false, false, null),
                _ => (true, false, claim.Refusal),
            };
        }

        private void Record<T>(string key, string fingerprint, Result<T> result, string? predictedRefusal)
        {
            if (predictedRefusal == ErrorCodes.IdempotencyKeyReused)
            {
                return;
            }

            if (!claims.TryGetValue(key, out var claim) || claim.Outcome != Known.TookEffect)
            {
                claims[key] = result.IsSuccess ? new Claim(fingerprint, Known.TookEffect)
                    : claim is { Outcome: Known.Unknown } ? claim
                    : claim is { Outcome: Known.Refused } ? claim
                    : new Claim(fingerprint, Known.Refused, result.Error!.Code);
            }
        }

        private async Task TransferAsync(string from, string to, long amount, string key)
        {
            var result = await TransferKit.TransferAsync(engine, from, to, amount, key);
            ReachOutcome("transfer", result);
            if (result.IsSuccess)
            {
                Reach(result.Value.Transfer.State == "posted" ? "transfer posted" : "transfer voided " + result.Value.Transfer.FailureCode);
            }

            if (from == to)
            {
                Expect.Failure(result, ErrorCodes.SameAccountTransfer);
                return;
            }

            var fingerprint = TransferFingerprint(from, to, amount);
            var (predictable, repeat, refusal) = Claimed(key, fingerprint);
            if (predictable && !repeat)
            {
                refusal ??= ReserveRefusal(from, amount);
                if (refusal is not null)
                {
                    Expect.Failure(result, refusal);
                }
                else
                {
                    var outcome = Expect.Success(result);
                    Assert.True(outcome.Finished);
                    AssertFinal(outcome.Transfer, frozen.Contains(to) ? ErrorCodes.AccountFrozen : null);
                }
            }

            if (repeat)
            {
                Assert.Equal(TransferKit.TransferIdOf(key, from), Expect.Success(result).Transfer.TransferId);
                Reach("transfer replayed");
            }

            Record(key, fingerprint, result, refusal);
            if (result.IsSuccess)
            {
                replays.Add((async replayEngine => Check(await TransferKit.TransferAsync(replayEngine, from, to, amount, key), result.Value.Transfer.TransferId), $"replay of transfer {key}"));
            }
        }

        private async Task HoldAsync(string from, string to, long amount, string key, int seconds)
        {
            var result = await TransferKit.HoldAsync(engine, from, to, amount, key, seconds);
            ReachOutcome("hold", result);
            if (result.IsSuccess && result.Value.State == "reserved")
            {
                Reach("hold placed");
            }

            if (from == to)
            {
                Expect.Failure(result, ErrorCodes.SameAccountTransfer);
                return;
            }

            var fingerprint = $"hold|{from}|{to}|{amount}|{seconds}";
            var (predictable, repeat, refusal) = Claimed(key, fingerprint);
            if (predictable && !repeat)
            {
                refusal ??= ReserveRefusal(from, amount);
                if (refusal is not null)
                {
                    Expect.Failure(result, refusal);
                }
                else
                {
                    var hold = Expect.Success(result);
                    Assert.Equal("reserved", hold.State);
                    Assert.Equal(Now.AddSeconds(seconds), hold.ExpiresAt);
                    Assert.Equal(amount, hold.Amount);
                }
            }

            if (repeat)
            {
                Assert.Equal(TransferKit.TransferIdOf(key, from, "hold"), Expect.Success(result).TransferId);
                Reach("hold replayed");
            }

            Record(key, fingerprint, result, refusal);
            if (result.IsSuccess)
            {
                replays.Add((async replayEngine =>
                {
                    var again = await TransferKit.HoldAsync(replayEngine, from, to, amount, key, seconds);
                    return !again.IsSuccess ? again.Error!.Code : again.Value.TransferId == result.Value.TransferId ? null : "another hold";
                }, $"replay of hold {key}"));
            }
        }

        private async Task CaptureAsync(TransferDocument hold, long? amount, string key)
        {
            var result = await TransferKit.CaptureAsync(engine, hold.TransferId, key, amount);
            ReachOutcome("capture", result);
            if (!result.IsSuccess && result.Error!.Code == ErrorCodes.CaptureExceedsHold)
            {
                Reach("capture_exceeds_hold");
            }

            if (result.IsSuccess && hold.State == "reserved")
            {
                Reach(amount is null || amount == hold.Amount ? "capture full" : "capture partial");
            }

            var fingerprint = $"capture|{hold.TransferId}|{amount}";
            var (predictable, repeat, refusal) = Claimed(key, fingerprint);
            if (predictable && !repeat)
            {
                refusal ??= hold.State != "reserved"
                    ? hold.FailureCode == ErrorCodes.HoldExpired ? ErrorCodes.HoldExpired : ErrorCodes.HoldAlreadyResolved
                    : Now >= hold.ExpiresAt ? ErrorCodes.HoldExpired
                    : amount > hold.Amount ? ErrorCodes.CaptureExceedsHold
                    : null;
                if (refusal is not null)
                {
                    Expect.Failure(result, refusal);
                }
                else
                {
                    var outcome = Expect.Success(result);
                    Assert.True(outcome.Finished);
                    Assert.Equal(amount ?? hold.Amount, outcome.Transfer.SettleAmount);
                    AssertFinal(outcome.Transfer, frozen.Contains(hold.To) ? ErrorCodes.AccountFrozen : null);
                }
            }

            if (repeat)
            {
                Assert.Equal(hold.TransferId, Expect.Success(result).Transfer.TransferId);
            }

            Record(key, fingerprint, result, refusal);
            if (result.IsSuccess)
            {
                replays.Add((async replayEngine => Check(await TransferKit.CaptureAsync(replayEngine, hold.TransferId, key, amount), hold.TransferId), $"replay of capture {key}"));
            }
        }

        private async Task VoidAsync(TransferDocument hold)
        {
            var result = await TransferKit.VoidAsync(engine, hold.TransferId);
            Reach(hold.State switch { "reserved" => "void", "voided" => "void again", _ => "void refused" });
            switch (hold.State)
            {
                case "reserved":
                    var voided = Expect.Success(result);
                    Assert.Equal("voided", voided.State);
                    Assert.Equal("hold_voided", voided.FailureCode);
                    break;
                case "voided":
                    Assert.Equal(hold, Expect.Success(result));
                    break;
                default:
                    Expect.Failure(result, ErrorCodes.HoldAlreadyResolved);
                    break;
            }
        }

        private async Task RefundAsync(TransferDocument original, string key, long? amount)
        {
            var result = await TransferKit.RefundAsync(engine, original.TransferId, key, amount);
            lastRefund = (original.TransferId, key, amount);
            ReachOutcome("refund", result);
            if (result.IsSuccess && result.Value.Transfer.State == "posted")
            {
                Reach("refund posted");
            }

            if (!result.IsSuccess && result.Error!.Code is ErrorCodes.RefundExceedsRemaining or ErrorCodes.TransferNotRefundable)
            {
                Reach(result.Error.Code);
            }

            var fingerprint = $"refund|{original.TransferId}|{amount}";
            var (predictable, repeat, refusal) = Claimed(key, fingerprint);
            if (predictable && !repeat)
            {
                var remaining = original.State == "posted"
                    ? original.SettleAmount!.Value - report.Transfers.Values.Where(refund => refund.RefundOf == original.TransferId && refund.State != "voided").Sum(refund => refund.Amount)
                    : 0;
                var requested = amount ?? remaining;
                refusal ??= original.Kind == "refund" || original.State != "posted" ? ErrorCodes.TransferNotRefundable
                    : remaining <= 0 || requested > remaining ? ErrorCodes.RefundExceedsRemaining
                    : ReserveRefusal(original.To, requested);
                if (refusal is not null)
                {
                    Expect.Failure(result, refusal);
                }
                else
                {
                    var outcome = Expect.Success(result);
                    Assert.True(outcome.Finished);
                    Assert.Equal("refund", outcome.Transfer.Kind);
                    Assert.Equal(original.TransferId, outcome.Transfer.RefundOf);
                    Assert.Equal(requested, outcome.Transfer.Amount);
                    Assert.Equal(original.To, outcome.Transfer.From);
                    AssertFinal(outcome.Transfer, frozen.Contains(original.From) ? ErrorCodes.AccountFrozen : null);
                }
            }

            if (repeat)
            {
                Assert.Equal(TransferKit.TransferIdOf(key, original.To, "refund"), Expect.Success(result).Transfer.TransferId);
            }

            Record(key, fingerprint, result, refusal);
            if (result.IsSuccess)
            {
                replays.Add((async replayEngine => Check(await TransferKit.RefundAsync(replayEngine, original.TransferId, key, amount), result.Value.Transfer.TransferId), $"replay of refund {key}"));
            }
        }

        private static void AssertFinal(TransferDocument transfer, string? voidedBecause)
        {
            if (voidedBecause is null)
            {
                Assert.Equal("posted", transfer.State);
            }
            else
            {
                Assert.Equal("voided", transfer.State);
                Assert.Equal(voidedBecause, transfer.FailureCode);
            }
        }

        private static string? Check(Result<TransferOutcome> replayed, string expectedId)
            => !replayed.IsSuccess ? replayed.Error!.Code
                : replayed.Value.Transfer.TransferId != expectedId ? "another transfer " + replayed.Value.Transfer.TransferId
                : !replayed.Value.Finished ? "not finished"
                : null;
    }
}

internal static class TransferDocumentOrdering
{
    /// <summary>A stable number from the id, to pick some transfers that are not posted for refunds that must be refused.</summary>
    public static int Key(this TransferDocument transfer) => transfer.TransferId.Sum(character => character);
}
