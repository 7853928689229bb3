using Ledger.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Tests;

/// <summary>The README's five-line SDK example, verbatim, against the host in-process.</summary>
public sealed class ReadmeExampleTests : IClassFixture<LedgerTestHost>
{
    private readonly LedgerTestHost _host;

    public ReadmeExampleTests(LedgerTestHost host) => _host = host;

    [Fact]
    public async Task The_README_example_posts_credits_and_catches_an_overdraw_by_its_code()
    {
        var services = new ServiceCollection();

        // The in-process host answers whatever address the example names.
        services.ConfigureHttpClientDefaults(builder => builder.ConfigurePrimaryHttpMessageHandler(() => _host.Server.CreateHandler()));
        var console = new StringWriter();
        var original = Console.Out;
        Console.SetOut(console);
        try
        {
            // --- README: begin ---
            services.AddLedgerClient(o => { o.BaseAddress = new Uri("http://localhost:5080"); o.ApiKey = "dev-app1-key"; });
            var ledger = services.BuildServiceProvider().GetRequiredService<LedgerClient>();
            var posting = await ledger.PostLedgerAsync(new LedgerPostRequest { OwnerId = "user-100", Operation = "CREDIT_ADD" }); // +10, opens the account
            try { await ledger.PostTransactionAsync(TransactionRequest.Burn("user-100", 5000, "creator_payout")); }
            catch (LedgerApiException e) when (e.Code == "insufficient_funds") { Console.WriteLine($"{(int)e.StatusCode} {e.Code}: {e.Detail}"); }
            // --- README: end ---

            Assert.Equal(10, posting.Balance);
            Assert.Equal(10, (await ledger.GetOwnerBalanceAsync("user-100")).Balance);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Contains("422 insufficient_funds: ", console.ToString());
    }
}
