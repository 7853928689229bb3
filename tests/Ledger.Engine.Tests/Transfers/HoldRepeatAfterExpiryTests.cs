using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>A hold request repeated after its expires_at has passed: the key is looked up before the expiry is judged.</summary>
public sealed class HoldRepeatAfterExpiryTests
{
    [Fact]
    public async Task A_repeat_sent_after_its_expires_at_answers_the_original_hold()
    {
        await using var ledger = TestLedger.Create();
        await TransferKit.SetUpAsync(ledger, ["alice", "bob"], 100, "alice");
        var request = HoldUntil(ledger.Clock.GetUtcNow().AddMinutes(1));
        var original = Expect.Success(await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-1"), request, CancellationToken.None));

        ledger.Clock.Advance(TimeSpan.FromMinutes(5));
        var repeat = await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-1"), request, CancellationToken.None);

        Assert.Equal(original.TransferId, Expect.Success(repeat).TransferId);
        Assert.Equal(original.Amount, repeat.Value.Amount);
    }

    [Fact]
    public async Task A_new_request_with_a_past_expiry_is_still_refused_and_binds_nothing()
    {
        await using var ledger = TestLedger.Create();
        await TransferKit.SetUpAsync(ledger, ["alice", "bob"], 100, "alice");
        var past = HoldUntil(ledger.Clock.GetUtcNow().AddMinutes(-1));

        Expect.Failure(await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-2"), past, CancellationToken.None), ErrorCodes.InvalidField, "expires_at");

        var corrected = HoldUntil(ledger.Clock.GetUtcNow().AddMinutes(1));
        Expect.Success(await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-2"), corrected, CancellationToken.None));
    }

    [Fact]
    public async Task A_different_request_with_a_used_key_and_a_past_expiry_is_a_reused_key()
    {
        await using var ledger = TestLedger.Create();
        await TransferKit.SetUpAsync(ledger, ["alice", "bob"], 100, "alice");
        Expect.Success(await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-3"), HoldUntil(ledger.Clock.GetUtcNow().AddMinutes(1)), CancellationToken.None));

        var other = HoldUntil(ledger.Clock.GetUtcNow().AddMinutes(-1)) with { Amount = 7 };

        Expect.Failure(await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("hold-3"), other, CancellationToken.None), ErrorCodes.IdempotencyKeyReused);
    }

    private static HoldRequest HoldUntil(DateTimeOffset expiresAt)
        => new(AccountId.From("alice"), AccountId.From("bob"), 10, TransferKit.Details("hold"), new HoldExpiry(expiresAt, null));
}
