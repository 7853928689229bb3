using System.Security.Cryptography;

namespace Ledger.Domain.Tests;

public sealed class EntryChainTests
{
    private static readonly DateTimeOffset Now = Accounts.T0.AddHours(1);

    [Fact]
    public void The_first_entry_of_an_account_links_to_genesis_and_each_next_entry_to_the_one_before()
    {
        var first = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(25, "n1"), Now));
        var second = Expect.Success(PostingRules.Decide(first.Account, Accounts.Burn(5, "n2"), Now));

        Assert.Equal(SHA256Hex(Convert.FromHexString(EntryChain.Genesis), EntryChain.CanonicalBytes(first.Entry)), first.Entry.Hash);
        Assert.Equal(SHA256Hex(Convert.FromHexString(first.Entry.Hash!), EntryChain.CanonicalBytes(second.Entry)), second.Entry.Hash);
        Assert.Equal(second.Entry.Hash, second.Account.LastEntryHash);
        Assert.Equal(1, second.Account.ChainStartSequence);
        Assert.Equal(new string('0', 64), EntryChain.Genesis);
    }

    [Fact]
    public void Both_sides_of_a_transfer_are_chained_in_their_own_accounts()
    {
        var alice = Expect.Success(PostingRules.Decide(Accounts.Open("alice"), Accounts.Mint(50, "m-alice"), Now)).Account;
        var bob = Expect.Success(PostingRules.Decide(Accounts.Open("bob"), Accounts.Mint(1, "m-bob"), Now)).Account;
        var (reserved, transfer) = Expect.Success(TransferRules.Reserve(alice, ChainHistories.TransferBetween(alice.Id, bob.Id, 20, "t1"), Now));

        var credit = Assert.IsType<CreditOutcome.Credited>(TransferRules.Credit(bob, transfer, Now)).Entry;
        var bobAfter = TransferRules.ApplyCredit(bob, credit);
        var (aliceAfter, _, debit) = TransferRules.Commit(reserved, transfer, Now);

        Assert.Equal(EntryChain.Link(bob.LastEntryHash!, credit with { Hash = null }), credit.Hash);
        Assert.Equal(EntryChain.Link(alice.LastEntryHash!, debit with { Hash = null }), debit.Hash);
        Assert.Equal(credit.Hash, bobAfter.LastEntryHash);
        Assert.Equal(debit.Hash, aliceAfter.LastEntryHash);
    }

    [Fact]
    public void An_account_older_than_chains_starts_its_chain_at_genesis_with_its_next_entry()
    {
        var legacy = Accounts.With(balance: 30) with { LastSequence = 4, ChainStartSequence = null, LastEntryHash = null };

        var decision = Expect.Success(PostingRules.Decide(legacy, Accounts.Mint(1), Now));

        Assert.Equal(5, decision.Entry.Sequence);
        Assert.Equal(EntryChain.Link(EntryChain.Genesis, decision.Entry with { Hash = null }), decision.Entry.Hash);
        Assert.Equal(5, decision.Account.ChainStartSequence);
    }

    [Fact]
    public void The_canonical_bytes_change_with_every_field_of_the_entry()
    {
        var entry = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(25), Now)).Entry with { Hash = null };
        var original = EntryChain.CanonicalBytes(entry);

        foreach (var changed in ChainHistories.EveryFieldChanged(entry))
        {
            Assert.NotEqual(original, EntryChain.CanonicalBytes(changed));
        }

        // The hash itself is not part of what it hashes.
        Assert.Equal(original, EntryChain.CanonicalBytes(entry with { Hash = "ab" }));
    }

    [Fact]
    public void An_absent_text_and_an_empty_one_encode_differently()
    {
        var entry = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(25), Now)).Entry;

        Assert.NotEqual(EntryChain.CanonicalBytes(entry with { TransferId = null }), EntryChain.CanonicalBytes(entry with { TransferId = string.Empty }));
    }

    private static string SHA256Hex(byte[] previous, byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData([.. previous, .. canonical]));
}
