using System.Net;
using Ledger.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Tests;

/// <summary>
/// The retry pipeline AddLedgerClient registers: a write whose answer is lost is resent with the same
/// Idempotency-Key, so the ledger replays it instead of posting it twice; timeouts end a call as
/// unreachable, carrying the key to resend; the caller's own cancellation stays a cancellation.
/// </summary>
public sealed class ResilienceTests : IClassFixture<LedgerTestHost>
{
    private readonly LedgerTestHost _host;

    public ResilienceTests(LedgerTestHost host) => _host = host;

    [Fact]
    public async Task A_write_whose_answers_are_lost_is_retried_with_one_key_and_posts_once()
    {
        var recorder = new RecordingHandler();
        var loseAnswers = new LosingHandler(answersToLose: 2);
        using var services = _host.ClientServices(build: builder => builder.AddHttpMessageHandler(() => loseAnswers).AddHttpMessageHandler(() => recorder));
        var ledger = _host.Client(services);
        var user = Ids.Account();
        await ledger.OpenAccountAsync(new OpenAccountRequest { OwnerId = user, AccountId = user });
        loseAnswers.Arm();

        var entry = await ledger.PostTransactionAsync(TransactionRequest.Mint(user, 40, "credit_purchase"));

        var attempts = recorder.Calls.Where(call => call.PathAndQuery == "/transactions").ToArray();
        Assert.Equal(3, attempts.Length);
        Assert.Single(attempts.Select(call => call.IdempotencyKey).Distinct());
        Assert.Single(attempts.Select(call => call.Body).Distinct());
        Assert.Equal(40, entry.BalanceAfter);
        Assert.Equal(40, (await ledger.GetBalanceAsync(user)).Amount);
        Assert.Single((await ledger.ListEntriesAsync(user)).Entries);
    }

    [Fact]
    public async Task A_ledger_that_never_answers_ends_the_call_as_unreachable_with_the_key_to_resend()
    {
        using var services = _host.ClientServices(
            options => (options.AttemptTimeout, options.TotalTimeout, options.MaxRetries) = (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2),
            builder => builder.AddHttpMessageHandler(() => new SilentHandler()));
        var ledger = _host.Client(services);
        var request = TransactionRequest.Mint(Ids.Account(), 5, "credit_purchase") with { IdempotencyKey = "mint-never-answered" };

        var started = System.Diagnostics.Stopwatch.StartNew();
        var unreachable = await Assert.ThrowsAsync<LedgerUnreachableException>(() => ledger.PostTransactionAsync(request));

        Assert.Equal("mint-never-answered", unreachable.IdempotencyKey);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_call_the_caller_cancels_ends_as_a_cancellation_not_as_unreachable()
    {
        using var services = _host.ClientServices(build: builder => builder.AddHttpMessageHandler(() => new SilentHandler()));
        var ledger = _host.Client(services);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var exception = await Record.ExceptionAsync(() => ledger.GetAccountAsync(Ids.Account(), cancel.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(exception);
    }

    [Fact]
    public async Task A_busy_ledger_is_retried_and_a_problem_left_after_the_retries_is_marked_transient()
    {
        var recorder = new RecordingHandler();
        using var services = _host.ClientServices(options => options.MaxRetries = 2, builder => builder.AddHttpMessageHandler(() => recorder).AddHttpMessageHandler(() => new BusyHandler()));
        var ledger = _host.Client(services);

        var busy = await Assert.ThrowsAsync<LedgerApiException>(() => ledger.PostTransactionAsync(TransactionRequest.Mint(Ids.Account(), 5, "credit_purchase")));

        Assert.Equal(("overloaded", HttpStatusCode.ServiceUnavailable, true), (busy.Code, busy.StatusCode, busy.IsTransient));
        Assert.Equal(3, recorder.Calls.Count);
        Assert.Single(recorder.Calls.Select(call => call.IdempotencyKey).Distinct());
    }

    [Fact]
    public void The_registration_refuses_options_without_an_absolute_base_address()
    {
        var services = new ServiceCollection();
        services.AddLedgerClient(options => options.ApiKey = "key");
        using var provider = services.BuildServiceProvider();

        var invalid = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<LedgerClient>());

        Assert.Contains("BaseAddress", invalid.Message);
    }

    /// <summary>Lets requests through to the ledger, then throws their answers away, as a dropped connection would.</summary>
    private sealed class LosingHandler(int answersToLose) : DelegatingHandler
    {
        private int _toLose;

        public void Arm() => _toLose = answersToLose;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Decrement(ref _toLose) >= 0)
            {
                response.Dispose();
                throw new HttpRequestException("The connection dropped before the answer arrived.");
            }

            return response;
        }
    }

    /// <summary>Never answers: waits until the attempt is cancelled.</summary>
    private sealed class SilentHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Answers 503 overloaded, as a shedding ledger does, without reaching it.</summary>
    private sealed class BusyHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                Content = new StringContent("""{"type":"urn:credit-ledger:error:overloaded","title":"Overloaded","status":503,"detail":"busy","code":"overloaded"}""", System.Text.Encoding.UTF8, "application/problem+json"),
            };
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return Task.FromResult(response);
        }
    }
}
