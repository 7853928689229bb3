using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage.InMemory;

namespace Ledger.Engine.Tests;

public sealed class IdempotencyGuardTests
{
    private static readonly AppId App = AppId.From("app1");

    [Fact]
    public async Task The_first_request_with_a_key_claims_it_and_a_repeat_with_the_same_fingerprint_is_a_repeat()
    {
        await using var store = new InMemoryLedgerStore(new FakeTimeProvider());
        var guard = new IdempotencyGuard(store, new FakeTimeProvider());
        var key = IdempotencyKey.From("k1");

        var first = Expect.Success(await guard.ClaimAsync(App, key, "fingerprint-a", CancellationToken.None));
        var second = Expect.Success(await guard.ClaimAsync(App, key, "fingerprint-a", CancellationToken.None));

        Assert.False(first.IsRepeat);
        Assert.True(second.IsRepeat);
        Assert.Equal(new IdempotencyClaim(App, key, true), second);
    }

    [Fact]
    public async Task A_different_request_with_a_claimed_key_is_refused_as_reused()
    {
        await using var store = new InMemoryLedgerStore(new FakeTimeProvider());
        var guard = new IdempotencyGuard(store, new FakeTimeProvider());
        var key = IdempotencyKey.From("k1");
        await guard.ClaimAsync(App, key, "fingerprint-a", CancellationToken.None);

        Expect.Failure(await guard.ClaimAsync(App, key, "fingerprint-b", CancellationToken.None), ErrorCodes.IdempotencyKeyReused, "Idempotency-Key");
        Assert.True(Expect.Success(await guard.ClaimAsync(App, key, "fingerprint-a", CancellationToken.None)).IsRepeat);
    }

    [Fact]
    public async Task The_same_key_in_two_apps_is_two_independent_claims()
    {
        await using var store = new InMemoryLedgerStore(new FakeTimeProvider());
        var guard = new IdempotencyGuard(store, new FakeTimeProvider());
        var key = IdempotencyKey.From("shared-key");

        Assert.False(Expect.Success(await guard.ClaimAsync(App, key, "a", CancellationToken.None)).IsRepeat);
        Assert.False(Expect.Success(await guard.ClaimAsync(AppId.From("app2"), key, "b", CancellationToken.None)).IsRepeat);
    }

    [Fact]
    public async Task Of_many_concurrent_claims_of_one_key_exactly_one_is_first()
    {
        await using var store = new InMemoryLedgerStore(new FakeTimeProvider());
        var guard = new IdempotencyGuard(store, new FakeTimeProvider());
        var key = IdempotencyKey.From("race");

        var claims = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await guard.ClaimAsync(App, key, "same", CancellationToken.None))));

        Assert.Single(claims, claim => !claim.Value.IsRepeat);
        Assert.All(claims, claim => Assert.True(claim.IsSuccess));
    }

    [Fact]
    public void A_fingerprint_depends_on_meaning_not_on_formatting()
    {
        Assert.Equal(Fingerprint.Of("scope", "a", 1L, null), Fingerprint.Of("scope", "a", 1L, null));
        Assert.NotEqual(Fingerprint.Of("scope", "a", 1L), Fingerprint.Of("scope", "a", 2L));
        Assert.NotEqual(Fingerprint.Of("scope", "ab", "c"), Fingerprint.Of("scope", "a", "bc"));
        Assert.NotEqual(Fingerprint.Of("scope", (object?)null), Fingerprint.Of("scope", string.Empty));
        Assert.NotEqual(Fingerprint.Of("one", "a"), Fingerprint.Of("two", "a"));
    }
}
