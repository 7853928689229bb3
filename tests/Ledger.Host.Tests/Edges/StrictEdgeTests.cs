using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Edges;

/// <summary>Inputs that used to be taken loosely: empty and repeated query parameters, nonces of any type, dot-segment ids, file-like unknown paths.</summary>
public sealed class StrictEdgeTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Theory]
    [InlineData("/accounts/{0}/balance?asOf=", "asOf")]
    [InlineData("/accounts/{0}/entries?limit=", "limit")]
    [InlineData("/accounts/{0}/entries?cursor=", "cursor")]
    [InlineData("/accounts?owner_id=", "owner_id")]
    [InlineData("/accounts?owner_id={0}&limit=", "limit")]
    public async Task An_empty_query_value_is_refused_instead_of_read_as_absent(string pathFormat, string field)
    {
        using var client = factory.App1();
        var account = await client.OpenAccountAsync(Ids.Owner());

        var problem = ProblemAssert.Is(await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, account)), 400, "invalid_field");

        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("/accounts?owner_id={0}&owner_id=someone-else", "owner_id")]
    [InlineData("/accounts/{0}/entries?limit=1&limit=2", "limit")]
    [InlineData("/accounts/{0}/balance?asOf=2026-01-01T00:00:00Z&asOf=2026-02-01T00:00:00Z", "asOf")]
    public async Task A_repeated_query_parameter_is_refused_instead_of_using_its_first_value(string pathFormat, string field)
    {
        using var client = factory.App1();
        var account = await client.OpenAccountAsync(Ids.Owner());

        var problem = ProblemAssert.Is(await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, account)), 400, "invalid_field");

        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("freeze", "5")]
    [InlineData("freeze", "true")]
    [InlineData("unfreeze", "{\"a\":1}")]
    [InlineData("close", "[\"n\"]")]
    [InlineData("freeze", "\"has space\"")]
    public async Task A_nonce_on_a_status_change_must_be_a_valid_key(string change, string nonceJson)
    {
        using var client = factory.App1();
        var account = await client.OpenAccountAsync(Ids.Owner());

        var problem = ProblemAssert.Is(await client.PostAsync($"/accounts/{account}/{change}", $"{{\"nonce\":{nonceJson}}}"), 400, "invalid_field");

        Assert.Equal("nonce", problem.GetProperty("field").GetString());
        Assert.Equal("open", (await client.GetAsync($"/accounts/{account}")).Expect(200).Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_valid_nonce_on_a_status_change_is_still_accepted()
    {
        using var client = factory.App1();
        var account = await client.OpenAccountAsync(Ids.Owner());

        (await client.PostAsync($"/accounts/{account}/freeze", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);
    }

    [Fact]
    public async Task A_nonce_on_a_void_must_be_a_valid_key_before_the_hold_is_looked_up()
    {
        using var client = factory.App1();

        var problem = ProblemAssert.Is(await client.PostAsync("/holds/no-such-hold/void", "{\"nonce\":42}"), 400, "invalid_field");

        Assert.Equal("nonce", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("account_id", ".")]
    [InlineData("account_id", "..")]
    [InlineData("owner_id", ".")]
    [InlineData("owner_id", "..")]
    public async Task Dot_segment_ids_are_refused_because_no_URL_could_reach_them(string field, string id)
    {
        using var client = factory.App1();
        var body = new JsonObject { ["owner_id"] = Ids.Owner(), ["account_id"] = Ids.Owner("acct"), ["nonce"] = Ids.Nonce() };
        body[field] = id;

        var problem = ProblemAssert.Is(await client.PostAsync("/accounts", body), 400, "invalid_field");

        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_dot_segment_owner_is_refused_on_the_shared_ledger_route_too()
    {
        using var client = factory.App1();

        var problem = ProblemAssert.Is(await client.PostAsync("/ledger", LedgerClient.Ledger("..", "SIGNUP_CREDIT")), 400, "invalid_field");

        Assert.Equal("owner_id", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("/nothing.json")]
    [InlineData("/favicon.ico")]
    [InlineData("/robots.txt")]
    [InlineData("/some/deep/file.html")]
    public async Task Unknown_paths_that_look_like_file_names_get_a_problem_document(string path)
    {
        using var anonymous = factory.Client(apiKey: null);

        ProblemAssert.Is(await anonymous.GetAsync(path), 404, "route_not_found");
    }
}
