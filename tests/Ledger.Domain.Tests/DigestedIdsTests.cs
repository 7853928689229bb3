using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Ledger.Domain.Tests;

/// <summary>
/// Derived ids are stored (entries, transfers, accounts opened without an id), so a retry after an
/// upgrade must derive the very same id: these values were taken from the derivation before it was
/// rewritten to allocate less, and pin it.
/// </summary>
public sealed class DigestedIdsTests
{
    private static readonly AppId App = AppId.From("app1");
    private static readonly IdempotencyKey Key = IdempotencyKey.From("order-42");

    [Fact]
    public void A_transaction_id_derived_from_a_key_keeps_its_known_value()
    {
        Assert.Equal("tx_ffd3c572f977ce6a69f31a70a8db13a2", TransactionId.Derive(App, Key, "posting").Value);
        Assert.Equal("tx_b0a09631a6aacf5d1f5819041d041916", TransactionId.DeriveFrom("tx_abc", "credit").Value);
    }

    [Fact]
    public void An_account_id_and_a_transfer_id_derived_from_a_key_keep_their_known_values()
    {
        Assert.Equal("acc_100be3741e9d448d8829a70c", AccountId.Derive(App, Key).Value);
        Assert.Equal("tr_ec317549d7fe0befacae76c2_alice", TransferId.Derive(App, Key, "transfer", AccountId.From("alice")).Value);
    }

    [Fact]
    public void Text_too_long_for_the_stack_digests_as_the_sha256_of_its_lines_joined_by_new_lines()
    {
        var first = new string('k', 700);
        var second = "café ☕";

        var id = DigestedIds.Of("p_", 64, first, second);

        var expected = "p_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(first + "\n" + second)));
        Assert.Equal(expected, id);
    }

    [Fact]
    public void A_shorter_digest_is_the_start_of_the_full_one()
    {
        var full = DigestedIds.Of(string.Empty, 64, "a", "b");

        Assert.Equal("x_" + full[..24], DigestedIds.Of("x_", 24, "a", "b"));
    }

    [Fact]
    public void A_prefix_longer_than_the_bound_an_odd_or_oversized_digest_and_no_text_are_refused_in_every_build()
    {
        Assert.Equal(new string('p', 128) + DigestedIds.Of(string.Empty, 2, "a"), DigestedIds.Of(new string('p', 128), 2, "a"));

        Assert.Throws<ArgumentOutOfRangeException>(() => DigestedIds.Of(new string('p', 129), 2, "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigestedIds.Of("p_", 3, "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigestedIds.Of("p_", 0, "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigestedIds.Of("p_", 66, "a"));
        Assert.Throws<ArgumentException>(() => DigestedIds.Of("p_", 2));
    }
}
