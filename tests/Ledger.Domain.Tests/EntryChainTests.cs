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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(120)]
    [InlineData(TransactionDetails.MaxMemoLength)]
    public void The_canonical_bytes_and_the_hash_are_exactly_the_documented_encoding_whatever_the_memo_length(int memoLength)
    {
        // Multi-byte characters make the longest memo's bytes larger than the stack buffer the hash uses.
        var memo = memoLength == 0 ? null : new string('é', memoLength);
        var open = Accounts.Open();
        var instruction = Accounts.Mint(25) with { Details = TransactionDetails.From("credit_purchase", memo, "gifts") };
        var entry = Expect.Success(PostingRules.Decide(open, instruction, Now)).Entry;
        var content = entry with { Hash = null };

        var expected = DocumentedEncoding(content);

        Assert.Equal(expected, EntryChain.CanonicalBytes(content));
        Assert.Equal(SHA256Hex(Convert.FromHexString(EntryChain.Genesis), expected), entry.Hash);
        Assert.Equal(entry.Hash, EntryChain.Link(EntryChain.Genesis, expected));
    }

    /// <summary>The encoding as the remarks on <see cref="EntryChain"/> state it, written independently of it.</summary>
    private static byte[] DocumentedEncoding(LedgerEntry entry)
    {
        var bytes = new List<byte>();
        void Text(string? value)
        {
            var utf8 = value is null ? [] : System.Text.Encoding.UTF8.GetBytes(value);
            Number32(value is null ? -1 : utf8.Length);
            bytes.AddRange(utf8);
        }

        void Number32(int value) => bytes.AddRange(unchecked([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]));
        void Number(long value)
        {
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                bytes.Add(unchecked((byte)(value >> shift)));
            }
        }

        Text("ledger.entry.v1");
        Number(entry.Sequence);
        Text(entry.TransactionId.Value);
        Text(entry.Account.Value);
        Text(TransactionKinds.NameOf(entry.Kind));
        Text(entry.Operation);
        Text(entry.Details.Reason);
        Text(entry.Details.Memo);
        Text(entry.Details.Category);
        Number(entry.AmountMinorUnits);
        Number(entry.BalanceAfter);
        Text(entry.Counterparty.Value);
        Text(entry.TransferId);
        Text(entry.ReversesTransactionId?.Value);
        Number(entry.PostedAt.UtcTicks);
        Number(entry.Legs.Count);
        foreach (var leg in entry.Legs)
        {
            Text(leg.Account.Value);
            Number(leg.AmountMinorUnits);
        }

        return [.. bytes];
    }

    private static string SHA256Hex(byte[] previous, byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData([.. previous, .. canonical]));
}
