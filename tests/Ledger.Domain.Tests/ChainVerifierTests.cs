using FsCheck;
using FsCheck.Fluent;
using static Ledger.Domain.Tests.ChainHistories;

namespace Ledger.Domain.Tests;

public sealed class ChainVerifierTests
{
    private static readonly Step[] FiveSteps =
    [
        new(StepKind.Mint, 40, 1), new(StepKind.Burn, 5, 2), new(StepKind.TransferIn, 7, 3), new(StepKind.TransferOut, 12, 4), new(StepKind.Mint, 3, 5),
    ];

    private static readonly Gen<Step> Steps =
        from kind in Gen.Elements(StepKind.Mint, StepKind.Burn, StepKind.TransferIn, StepKind.TransferOut)
        from amount in Gen.Choose(1, 60)
        from seconds in Gen.Choose(-5, 60)
        select new Step(kind, amount, seconds);

    private static readonly Arbitrary<Step[]> Histories = Gen.Choose(1, 30).SelectMany(length => Steps.ArrayOf(length)).ToArbitrary();

    [Fact]
    public void An_untouched_history_verifies_through_its_last_entry()
    {
        var (account, entries) = Run(FiveSteps);

        var (broken, verifier) = Verify(account, entries);

        Assert.Null(broken);
        Assert.Equal(5, entries.Count);
        Assert.Equal(new ChainCheckpoint(6, entries[^1].Hash, account.Balance), verifier.Checkpoint);
    }

    [Fact]
    public void A_changed_amount_is_named_as_a_hash_mismatch_at_its_entry()
    {
        var (account, entries) = Run(FiveSteps);
        var tampered = entries.Select(entry => entry.Sequence == 3 ? entry with { AmountMinorUnits = entry.AmountMinorUnits + 1 } : entry).ToArray();

        var broken = Verify(account, tampered).Break;

        Assert.Equal(new ChainBreak(3, entries[2].TransactionId.Value, ChainBreakReasons.HashMismatch, broken!.Detail), broken);
    }

    [Fact]
    public void A_removed_entry_is_named_as_a_missing_sequence()
    {
        var (account, entries) = Run(FiveSteps);

        var broken = Verify(account, entries.Where(entry => entry.Sequence != 2)).Break;

        Assert.Equal((2L, ChainBreakReasons.MissingSequence), (broken!.Sequence, broken.Reason));
        Assert.Contains("entry is 3", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_last_entry_is_named_when_the_account_records_more_entries_than_there_are()
    {
        var (account, entries) = Run(FiveSteps);

        var broken = Verify(account, entries.Take(4)).Break;

        Assert.Equal((5L, (string?)null, ChainBreakReasons.MissingSequence), (broken!.Sequence, broken.TransactionId, broken.Reason));
    }

    [Fact]
    public void A_stripped_hash_is_a_break_at_its_entry_not_an_entry_older_than_chains()
    {
        var (account, entries) = Run(FiveSteps);

        var broken = Verify(account, entries.Select(entry => entry.Sequence == 1 ? entry with { Hash = null } : entry)).Break;

        Assert.Equal((1L, ChainBreakReasons.MissingHash), (broken!.Sequence, broken.Reason));
    }

    [Fact]
    public void A_balance_that_does_not_follow_from_the_entries_is_a_balance_mismatch()
    {
        var (account, entries) = Run(FiveSteps);

        var entryBreak = Verify(account, entries.Select(entry => entry.Sequence == 2 ? Reseal(entry with { BalanceAfter = 99 }, entries[0].Hash) : entry)).Break;
        var accountBreak = Verify(account with { Balance = account.Balance + 1 }, entries).Break;

        Assert.Equal((2L, ChainBreakReasons.BalanceMismatch), (entryBreak!.Sequence, entryBreak.Reason));
        Assert.Equal((5L, ChainBreakReasons.BalanceMismatch), (accountBreak!.Sequence, accountBreak.Reason));
    }

    [Fact]
    public void An_account_whose_recorded_head_is_not_the_chain_end_is_a_head_mismatch()
    {
        var (account, entries) = Run(FiveSteps);

        var broken = Verify(account with { LastEntryHash = entries[3].Hash }, entries).Break;

        Assert.Equal((5L, ChainBreakReasons.HeadMismatch), (broken!.Sequence, broken.Reason));
    }

    [Fact]
    public void Entries_older_than_chains_are_balance_checked_and_the_chain_starts_after_them()
    {
        var legacyEntries = Run(FiveSteps).Entries.Take(3).Select(entry => entry with { Hash = null }).ToArray();
        var legacy = Accounts.With(balance: legacyEntries[^1].BalanceAfter) with { LastSequence = 3, ChainStartSequence = null, LastEntryHash = null };
        var next = Expect.Success(PostingRules.Decide(legacy, Accounts.Mint(9, "after-chains"), Accounts.T0.AddMinutes(10)));

        Assert.Null(Verify(next.Account, [.. legacyEntries, next.Entry]).Break);
        Assert.Equal(ChainBreakReasons.BalanceMismatch, Verify(next.Account, [legacyEntries[0] with { BalanceAfter = 1 }, .. legacyEntries[1..], next.Entry]).Break?.Reason);
    }

    [Fact]
    public void A_verification_resumed_from_a_checkpoint_ends_where_a_whole_one_does()
    {
        var (account, entries) = Run(FiveSteps);
        var firstPart = new ChainVerifier(ChainCheckpoint.Start, account.ChainStartSequence);
        Assert.All(entries.Take(2), entry => Assert.Null(firstPart.Accept(entry)));

        var (broken, resumed) = Verify(account, entries.Skip(2), firstPart.Checkpoint);

        Assert.Null(broken);
        Assert.Equal(Verify(account, entries).Verifier.Checkpoint, resumed.Checkpoint);
    }

    [Fact]
    public void Any_history_of_postings_and_transfers_yields_a_chain_that_verifies()
    {
        Prop.ForAll(Histories, steps =>
        {
            var (account, entries) = Run(steps);
            return Verify(account, entries).Break is null && account.LastSequence == entries.Count;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Flipping_any_byte_of_any_entry_breaks_verification_at_that_entry()
    {
        var cases =
            from steps in Histories.Generator.Where(steps => Run(steps).Entries.Count > 0)
            from pick in Gen.Choose(0, int.MaxValue)
            from position in Gen.Choose(0, int.MaxValue)
            from mask in Gen.Choose(1, 255)
            select (steps, pick, position, mask);
        Prop.ForAll(cases.ToArbitrary(), testCase =>
        {
            var (account, entries) = Run(testCase.steps);
            var victim = entries[testCase.pick % entries.Count];
            var canonical = EntryChain.CanonicalBytes(victim);
            canonical[testCase.position % canonical.Length] ^= (byte)testCase.mask;

            // What the verifier recomputes for the victim is the hash of its (now flipped) canonical bytes.
            var previous = victim.Sequence == 1 ? EntryChain.Genesis : entries[(int)victim.Sequence - 2].Hash!;
            return EntryChain.Link(previous, canonical) != victim.Hash;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Changing_any_field_of_any_entry_breaks_verification_at_that_entry()
    {
        var cases =
            from steps in Histories.Generator.Where(steps => Run(steps).Entries.Count > 0)
            from pick in Gen.Choose(0, int.MaxValue)
            from field in Gen.Choose(0, 15)
            select (steps, pick, field);
        Prop.ForAll(cases.ToArbitrary(), testCase =>
        {
            var (account, entries) = Run(testCase.steps);
            var victim = entries[testCase.pick % entries.Count];
            var changed = EveryFieldChanged(victim).ElementAt(testCase.field) with { Hash = victim.Hash };

            var broken = Verify(account, entries.Select(entry => entry == victim ? changed : entry)).Break;
            return broken is not null && broken.Sequence == victim.Sequence;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    private static (ChainBreak? Break, ChainVerifier Verifier) Verify(AccountState account, IEnumerable<LedgerEntry> entries, ChainCheckpoint? from = null)
    {
        var verifier = new ChainVerifier(from ?? ChainCheckpoint.Start, account.ChainStartSequence);
        foreach (var entry in entries)
        {
            if (verifier.Accept(entry) is { } broken)
            {
                return (broken, verifier);
            }
        }

        return (verifier.Finish(account), verifier);
    }

    private static LedgerEntry Reseal(LedgerEntry entry, string? previousHash) => entry with { Hash = EntryChain.Link(previousHash ?? EntryChain.Genesis, entry with { Hash = null }) };
}
