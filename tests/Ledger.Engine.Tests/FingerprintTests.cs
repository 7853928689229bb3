using Ledger.Domain;
using Xunit;

namespace Ledger.Engine.Tests;

/// <summary>
/// Fingerprints and claim partitions are stored with every idempotency claim, so a retry after an
/// upgrade must compute the very same values: these were taken before the code was rewritten to
/// allocate less, and pin it.
/// </summary>
public sealed class FingerprintTests
{
    [Fact]
    public void A_fingerprint_keeps_its_known_value_for_every_kind_of_field()
    {
        var fingerprint = Fingerprint.Of("transactions.post", AccountId.From("alice"), "mint", Direction.Credit, 1500L, null, "credit_purchase", "café ☕ \u001e", null);

        Assert.Equal("b401d921e7f0d091622399f2590cc369ea611b10b79b890cc3b4d841570c4868", fingerprint);
        Assert.Equal("032536cb346e8207b56ffab53c15f285b2b96380835c6047fd557b5eda2c9368", Fingerprint.Of("ledger.post", OwnerId.From("bob"), "CREDIT_ADD", 10L));
    }

    [Fact]
    public void A_fingerprint_of_text_too_long_for_the_stack_keeps_its_known_value()
    {
        Assert.Equal("79ec580e9a80cd915c9e44517e7dc4d216be84482332e9fe6a736e8f880af231", Fingerprint.Of("x", new string('m', 3000)));
    }

    [Fact]
    public void A_null_field_and_an_absent_field_are_different_requests()
    {
        Assert.NotEqual(Fingerprint.Of("s", "a"), Fingerprint.Of("s", "a", null));
        Assert.NotEqual(Fingerprint.Of("s", "ab"), Fingerprint.Of("s", "a", "b"));
    }

    [Fact]
    public void A_claim_partition_keeps_its_known_value()
    {
        Assert.Equal(
            "idem/app1/3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd",
            DocumentTypes.ClaimPartition(AppId.From("app1"), IdempotencyKey.From("order-42")));
    }
}
