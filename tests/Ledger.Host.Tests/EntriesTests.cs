using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary><c>GET /accounts/{id}/entries</c>: newest first, paged with a stable cursor and a bounded page size.</summary>
public sealed class EntriesTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task Pages_walk_the_history_newest_first_and_end_without_a_cursor()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        for (var amount = 1; amount <= 7; amount++)
        {
            await app1.MintAsync(accountId, amount);
        }

        var pages = await ReadAllPages(app1, accountId, limit: 3);

        Assert.Equal([3, 3, 1], pages.Select(page => page.Count));
        var sequences = pages.SelectMany(page => page).Select(entry => entry.Sequence).ToArray();
        Assert.Equal([7, 6, 5, 4, 3, 2, 1], sequences);
        var amounts = pages.SelectMany(page => page).Select(entry => entry.Amount).ToArray();
        Assert.Equal([7, 6, 5, 4, 3, 2, 1], amounts);
    }

    [Fact]
    public async Task A_history_that_fills_its_last_page_exactly_ends_without_an_empty_extra_page()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        for (var i = 0; i < 4; i++)
        {
            await app1.MintAsync(accountId, 1);
        }

        var pages = await ReadAllPages(app1, accountId, limit: 2);

        Assert.Equal([2, 2], pages.Select(page => page.Count));
    }

    [Fact]
    public async Task A_cursor_keeps_its_page_while_newer_entries_arrive()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        for (var i = 0; i < 5; i++)
        {
            await app1.MintAsync(accountId, 1);
        }

        var first = (await app1.GetAsync($"/accounts/{accountId}/entries?limit=2")).Expect(200).Json;
        var cursor = first.GetProperty("next_cursor").GetString()!;
        var second = (await app1.GetAsync($"/accounts/{accountId}/entries?limit=2&cursor={cursor}")).Expect(200).Body;

        await app1.MintAsync(accountId, 9);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(accountId, "CREDIT_SPEND"))).Expect(201);

        Assert.Equal(second, (await app1.GetAsync($"/accounts/{accountId}/entries?limit=2&cursor={cursor}")).Expect(200).Body);
        var newest = (await app1.GetAsync($"/accounts/{accountId}/entries?limit=1")).Expect(200).Json.GetProperty("entries")[0];
        Assert.Equal(7, newest.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Default_page_is_50_and_the_largest_page_is_200()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => app1.MintAsync(accountId, 1)));

        var defaultPage = (await app1.GetAsync($"/accounts/{accountId}/entries")).Expect(200).Json;
        Assert.Equal(50, defaultPage.GetProperty("entries").GetArrayLength());
        Assert.NotNull(defaultPage.GetProperty("next_cursor").GetString());

        var largest = (await app1.GetAsync($"/accounts/{accountId}/entries?limit=200")).Expect(200).Json;
        Assert.Equal(60, largest.GetProperty("entries").GetArrayLength());
        Assert.False(largest.TryGetProperty("next_cursor", out var next) && next.ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task An_account_without_postings_has_an_empty_history()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        var page = (await app1.GetAsync($"/accounts/{accountId}/entries")).Expect(200).Json;

        Assert.Equal(0, page.GetProperty("entries").GetArrayLength());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("limit=-1")]
    [InlineData("limit=1.5")]
    [InlineData("limit=abc")]
    [InlineData("limit=99999999999999999999")]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("cursor=djE6MA")] // "v1:0": a cursor's shape with an impossible position
    [InlineData("cursor=djE6LTE")] // "v1:-1"
    [InlineData("cursor=%00%01")]
    public async Task Bad_paging_parameters_are_400_invalid_field(string query)
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        ProblemAssert.Is(await app1.GetAsync($"/accounts/{accountId}/entries?{query}"), 400, "invalid_field");
    }

    [Fact]
    public async Task A_very_long_cursor_is_400_not_a_server_error()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        ProblemAssert.Is(await app1.GetAsync($"/accounts/{accountId}/entries?cursor={new string('A', 4000)}"), 400, "invalid_field");
    }

    private static async Task<List<List<(long Sequence, long Amount)>>> ReadAllPages(LedgerClient client, string accountId, int limit)
    {
        var pages = new List<List<(long Sequence, long Amount)>>();
        string? cursor = null;
        do
        {
            var page = (await client.GetAsync($"/accounts/{accountId}/entries?limit={limit}" + (cursor is null ? string.Empty : "&cursor=" + cursor))).Expect(200).Json;
            pages.Add([.. page.GetProperty("entries").EnumerateArray().Select(entry => (entry.GetProperty("sequence").GetInt64(), entry.GetProperty("amount").GetInt64()))]);
            cursor = page.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
            Assert.True(pages.Count <= 100, "Paging does not end.");
        }
        while (cursor is not null);

        return pages;
    }
}
