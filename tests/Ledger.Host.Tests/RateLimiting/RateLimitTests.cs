using System.Diagnostics;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.Host.Tests.RateLimiting;

/// <summary>
/// Token buckets per app and per key answer 429 <c>rate_limited</c> with Retry-After once spent; the bound on
/// requests in flight sheds the excess with 503 <c>overloaded</c> instead of queueing it for a place.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task An_app_over_its_own_limit_gets_429_with_Retry_After_while_another_app_is_served()
    {
        await using var ledger = new SecuredLedger(new Dictionary<string, string?>
        {
            ["Ledger:Apps:app2:RateLimit:TokensPerSecond"] = "1",
            ["Ledger:Apps:app2:RateLimit:Burst"] = "2",
        });
        using var app2 = ledger.Client(LedgerApiFactory.App2Key);
        using var app1 = ledger.Client(LedgerApiFactory.App1Key);

        var answers = new List<ApiResponse>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await app2.GetAsync("/accounts/acct-1"));
        }

        Assert.All(answers.Take(2), answer => Assert.NotEqual(429, answer.Status));
        var limited = Assert.IsType<ApiResponse>(answers.FirstOrDefault(answer => answer.Status == 429), exactMatch: false);
        ProblemAssert.Is(limited, 429, ErrorCodes.RateLimited);
        Assert.True(int.TryParse(limited.Header("Retry-After"), out var seconds) && seconds >= 1, limited.ToString());
        for (var i = 0; i < 5; i++)
        {
            Assert.NotEqual(429, (await app1.GetAsync("/accounts/acct-1")).Status);
        }
    }

    [Fact]
    public async Task A_key_over_the_per_key_limit_gets_429_while_another_key_of_its_app_is_served()
    {
        await using var ledger = new SecuredLedger(new Dictionary<string, string?>
        {
            ["Ledger:RateLimits:PerKey:TokensPerSecond"] = "1",
            ["Ledger:RateLimits:PerKey:Burst"] = "2",
        });
        using var reader = ledger.Client(SecuredLedger.HashedReadKey);
        using var other = ledger.Client(SecuredLedger.KeyFor(Ledger.Http.Authentication.LedgerScopes.Read));

        var answers = new List<ApiResponse>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await reader.GetAsync("/accounts/acct-1"));
        }

        ProblemAssert.Is(Assert.IsType<ApiResponse>(answers.FirstOrDefault(answer => answer.Status == 429), exactMatch: false), 429, ErrorCodes.RateLimited);
        Assert.NotEqual(429, (await other.GetAsync("/accounts/acct-1")).Status);
    }

    [Fact]
    public async Task Beyond_the_in_flight_bound_a_request_is_shed_without_waiting_for_a_place_with_503_overloaded_and_Retry_After()
    {
        var store = new FaultyStore(new InMemoryLedgerStore());
        await using var factory = new LedgerApiFactory();
        await using var host = WithOneInFlightPlace(factory, store);
        using var client = AppClient(host);
        (await client.GetAsync("/ping")).Expect(200);

        var hold = store.HoldReadsOf(HeldAccountPartition);
        var blocked = await StartHeldRequestAsync(client);
        try
        {
            var shed = await FirstShedAsync(client);
            ProblemAssert.Is(shed.Response, 503, ErrorCodes.Overloaded);
            Assert.Equal("1", shed.Response.Header("Retry-After"));
            Assert.True(shed.Elapsed < TimeSpan.FromSeconds(1), $"Shedding took {shed.Elapsed}.");

            // Monitoring still sees the host while every place is taken.
            (await client.GetAsync("/health")).Expect(200);
            (await client.GetAsync("/metrics")).Expect(200);
        }
        finally
        {
            hold.Dispose();
        }

        // Released, the held request finishes and its place is free again.
        await blocked;
        (await client.GetAsync("/ping")).Expect(200);
    }

    [Fact]
    public async Task Anonymous_routes_read_no_credential_so_they_spend_none_of_the_callers_tokens()
    {
        await using var ledger = new SecuredLedger(new Dictionary<string, string?>
        {
            ["Ledger:RateLimits:PerKey:TokensPerSecond"] = "1",
            ["Ledger:RateLimits:PerKey:Burst"] = "1",
        });
        using var reader = ledger.Client(SecuredLedger.HashedReadKey);

        for (var i = 0; i < 5; i++)
        {
            (await reader.GetAsync("/ping")).Expect(200);
            (await reader.GetAsync("/health")).Expect(200);
        }

        Assert.NotEqual(429, (await reader.GetAsync("/accounts/acct-1")).Status);
        var later = new List<ApiResponse>();
        for (var i = 0; i < 5; i++)
        {
            later.Add(await reader.GetAsync("/accounts/acct-1"));
        }

        Assert.Contains(later, answer => answer.Status == 429);
        (await ledger.Client("not-a-key-of-any-app").GetAsync("/ping")).Expect(200);
    }

    [Fact]
    public async Task Beyond_the_in_flight_bound_a_request_is_shed_before_its_credential_or_body_is_read()
    {
        var store = new FaultyStore(new InMemoryLedgerStore());
        await using var factory = new LedgerApiFactory();
        await using var host = WithOneInFlightPlace(factory, store);
        using var client = AppClient(host);
        using var stranger = new LedgerClient(host.CreateClient());
        stranger.Http.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key-of-any-app");

        var hold = store.HoldReadsOf(HeldAccountPartition);
        var blocked = await StartHeldRequestAsync(client);
        try
        {
            await FirstShedAsync(client);
            ProblemAssert.Is(await stranger.GetAsync("/accounts/acct-1"), 503, ErrorCodes.Overloaded);
            ProblemAssert.Is(await client.PostAsync("/transactions/batch", "not json"), 503, ErrorCodes.Overloaded);
        }
        finally
        {
            hold.Dispose();
        }

        await blocked;
        ProblemAssert.Is(await stranger.GetAsync("/accounts/acct-1"), 401, ErrorCodes.InvalidApiKey);
    }

    [Fact]
    public async Task A_shed_request_is_answered_after_the_configured_pause_not_at_once()
    {
        var store = new FaultyStore(new InMemoryLedgerStore());
        await using var factory = new LedgerApiFactory();
        await using var host = WithOneInFlightPlace(factory, store, shedPauseMilliseconds: "300");
        using var client = AppClient(host);

        var hold = store.HoldReadsOf(HeldAccountPartition);
        var blocked = await StartHeldRequestAsync(client);
        try
        {
            var shed = await FirstShedAsync(client);
            ProblemAssert.Is(shed.Response, 503, ErrorCodes.Overloaded);

            // A timer's wait ends at its due time or later, never before; the margin is the clock's grain.
            Assert.True(shed.Elapsed >= TimeSpan.FromMilliseconds(290), $"The shed answer came after {shed.Elapsed.TotalMilliseconds:F0} ms.");
        }
        finally
        {
            hold.Dispose();
        }

        await blocked;
    }

    [Theory]
    [InlineData(null, 25)]
    [InlineData("0", 0)]
    [InlineData("1000", 1000)]
    public void The_shed_pause_is_read_in_milliseconds_with_a_default_of_25(string? configured, int expectedMilliseconds)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Ledger:RateLimits:ShedPauseMilliseconds", configured)])
            .Build();

        var settings = Ledger.Http.RateLimiting.RateLimitSettings.FromConfiguration(configuration);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), settings.ShedPause);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1001")]
    [InlineData("25ms")]
    public void A_shed_pause_outside_0_to_1000_milliseconds_stops_the_host_at_start(string configured)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Ledger:RateLimits:ShedPauseMilliseconds", configured)])
            .Build();

        var refusal = Assert.Throws<InvalidOperationException>(() => Ledger.Http.RateLimiting.RateLimitSettings.FromConfiguration(configuration));

        Assert.Contains("Ledger:RateLimits:ShedPauseMilliseconds", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Waiting_places_are_refused_at_start_because_a_queued_request_only_adds_latency()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Ledger:RateLimits:InFlightQueue", "16")])
            .Build();

        var refusal = Assert.Throws<InvalidOperationException>(() => Ledger.Http.RateLimiting.RateLimitSettings.FromConfiguration(configuration));

        Assert.Contains("Ledger:RateLimits:InFlightQueue", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>A host that admits one request at once and serves from <paramref name="store"/>.</summary>
    private static WebApplicationFactory<Program> WithOneInFlightPlace(LedgerApiFactory factory, FaultyStore store, string? shedPauseMilliseconds = null)
        => factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Ledger:RateLimits:MaxInFlight", "1");
            if (shedPauseMilliseconds is not null)
            {
                builder.UseSetting("Ledger:RateLimits:ShedPauseMilliseconds", shedPauseMilliseconds);
            }

            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<ILedgerStore>();
                services.AddSingleton<ILedgerStore>(store);
            });
        });

    private static LedgerClient AppClient(WebApplicationFactory<Program> host)
    {
        var client = new LedgerClient(host.CreateClient());
        client.Http.DefaultRequestHeaders.Add("X-Api-Key", LedgerApiFactory.App1Key);
        return client;
    }

    /// <summary>The partition the held request reads: app1's account acct-1.</summary>
    private static readonly string HeldAccountPartition = DocumentTypes.AccountPartition(AppId.From("app1"), AccountId.From("acct-1"));

    /// <summary>
    /// Starts the request that holds the only place, again while it comes back shed instead of held. The test
    /// server hands a client its answer before the middleware that answered it has given its place back
    /// (a real connection reads its next request only after that), so the request right after an answered
    /// one can still find the place taken.
    /// </summary>
    private static async Task<Task<ApiResponse>> StartHeldRequestAsync(LedgerClient client)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var held = client.GetAsync("/accounts/acct-1/balance");
            await Task.WhenAny(held, Task.Delay(TimeSpan.FromMilliseconds(200)));
            if (!held.IsCompleted || (await held).Status != 503)
            {
                return held;
            }
        }

        throw new Xunit.Sdk.XunitException("The held request was shed 50 times: some other request keeps the only place.");
    }

    /// <summary>Pings until one is shed (the blocked request holds the only place by then), bounded at ten seconds.</summary>
    private static async Task<(ApiResponse Response, TimeSpan Elapsed)> FirstShedAsync(LedgerClient client)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var timer = Stopwatch.StartNew();
            var response = await client.GetAsync("/ping");
            if (response.Status == 503)
            {
                return (response, timer.Elapsed);
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException("No request was shed within ten seconds while one held the only place in flight.");
    }
}
