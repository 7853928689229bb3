using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary><c>GET /accounts/{id}/verify</c> over HTTP: the chain and balance of an account, app-scoped.</summary>
public sealed class VerifyTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task An_untouched_account_verifies_and_its_head_is_the_newest_entry_hash()
    {
        using var app1 = factory.App1();
        var alice = await app1.OpenAccountAsync(Ids.Owner());
        var bob = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(alice, 100);
        (await app1.PostAsync("/transfers", Transfer(alice, bob, 30))).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(alice, "CREDIT_SPEND"))).Expect(201);

        foreach (var account in new[] { alice, bob })
        {
            var verified = (await app1.GetAsync($"/accounts/{account}/verify")).Expect(200).Json;
            var newest = (await app1.GetAsync($"/accounts/{account}/entries?limit=1")).Expect(200).Json.GetProperty("entries")[0];

            Assert.Equal("ok", verified.GetProperty("status").GetString());
            Assert.Equal(newest.GetProperty("hash").GetString(), verified.GetProperty("head_hash").GetString());
            Assert.Equal(newest.GetProperty("sequence").GetInt64(), verified.GetProperty("verified_through_sequence").GetInt64());
            Assert.Equal(await app1.BalanceAsync(account), verified.GetProperty("balance").GetInt64());
            Assert.False(verified.TryGetProperty("first_break", out _));
        }
    }

    [Fact]
    public async Task Another_apps_account_and_a_bad_cursor_are_refused()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var account = await app1.OpenAccountAsync(Ids.Owner());

        ProblemAssert.Is(await app2.GetAsync($"/accounts/{account}/verify"), 404, "account_not_found");
        ProblemAssert.Is(await app1.GetAsync($"/accounts/{account}/verify?cursor=abc"), 400, "invalid_field");
        ProblemAssert.Is(await app1.GetAsync("/accounts/a%20b/verify"), 404, "account_not_found");
    }

    internal static JsonObject Transfer(string from, string to, long amount) => new()
    {
        ["from"] = from, ["to"] = to, ["amount"] = amount, ["reason"] = "content_unlock", ["nonce"] = Ids.Nonce(),
    };
}

/// <summary>The chain against the real host process: SIGKILL neither forks nor rewrites it.</summary>
[Collection(nameof(RealProcessCollection))]
public sealed class ChainDurabilityTests
{
    [Fact]
    public async Task The_chain_is_unchanged_across_SIGKILL_and_continues_after_the_restart()
    {
        using var data = new TemporaryDirectory();
        var port = HostProcess.FreePort();
        string alice, bob;
        JsonElement before;
        string[] hashesBefore;

        await using (var host = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = new LedgerClient(host.CreateClient());
            alice = await client.OpenAccountAsync(Ids.Owner());
            bob = await client.OpenAccountAsync(Ids.Owner());
            await client.MintAsync(alice, 500);
            for (var index = 0; index < 5; index++)
            {
                (await client.PostAsync("/transfers", VerifyTests.Transfer(alice, bob, 10 + index))).Expect(201);
            }

            before = (await client.GetAsync($"/accounts/{alice}/verify")).Expect(200).Json.Clone();
            hashesBefore = await HashesAsync(client, alice);
            await host.KillAsync();
        }

        await using (var restarted = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = new LedgerClient(restarted.CreateClient());
            var after = (await client.GetAsync($"/accounts/{alice}/verify")).Expect(200).Json;
            Assert.Equal("ok", after.GetProperty("status").GetString());
            Assert.Equal(before.GetProperty("head_hash").GetString(), after.GetProperty("head_hash").GetString());
            Assert.Equal(hashesBefore, await HashesAsync(client, alice));

            (await client.PostAsync("/transfers", VerifyTests.Transfer(alice, bob, 1))).Expect(201);
            foreach (var account in new[] { alice, bob })
            {
                Assert.Equal("ok", (await client.GetAsync($"/accounts/{account}/verify")).Expect(200).Json.GetProperty("status").GetString());
            }

            Assert.Equal(hashesBefore, (await HashesAsync(client, alice)).Skip(1));
        }
    }

    private static async Task<string[]> HashesAsync(LedgerClient client, string account)
        => (await client.GetAsync($"/accounts/{account}/entries?limit=200")).Expect(200).Json.GetProperty("entries").EnumerateArray()
            .Select(entry => entry.GetProperty("hash").GetString()!).ToArray();
}
