using System.Net.Http.Headers;
using Ledger.Client;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="LedgerClient"/> as a typed client of the <see cref="IHttpClientFactory"/>.</summary>
public static class LedgerClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LedgerClient"/> with the standard resilience pipeline: per-attempt and total
    /// timeouts, retries of transient failures (no answer, 408, 429, 5xx; Retry-After honoured) and a
    /// circuit breaker. Retries resend the request as it is, Idempotency-Key included: the key is chosen
    /// once per logical call, before the pipeline, so a retry can only replay the first attempt.
    /// </summary>
    /// <returns>The client's builder, to add handlers of your own.</returns>
    public static IHttpClientBuilder AddLedgerClient(this IServiceCollection services, Action<LedgerClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<LedgerClientOptions>()
            .Configure(configure)
            .Validate(options => options.BaseAddress is { IsAbsoluteUri: true }, "LedgerClientOptions.BaseAddress must be an absolute URI.")
            .Validate(options => options.ApiKey is null || options.BearerToken is null, "Set LedgerClientOptions.ApiKey or BearerToken, not both.")
            .Validate(options => options.MaxRetries >= 1 && options.AttemptTimeout > TimeSpan.Zero && options.TotalTimeout >= options.AttemptTimeout, "LedgerClientOptions: MaxRetries must be ≥ 1 and 0 < AttemptTimeout ≤ TotalTimeout.")
            .ValidateOnStart();

        var builder = services.AddHttpClient<LedgerClient>((provider, http) => Configure(http, provider.GetRequiredService<IOptions<LedgerClientOptions>>().Value));
        builder.AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider provider) => Configure(resilience, provider.GetRequiredService<IOptions<LedgerClientOptions>>().Value));
        return builder;
    }

    private static void Configure(HttpClient http, LedgerClientOptions options)
    {
        // Relative paths resolve under the base address's path (a Functions app serves under /api/).
        var address = options.BaseAddress!.AbsoluteUri;
        http.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");

        // The resilience pipeline owns the timeouts; HttpClient's own would cut across its retries.
        http.Timeout = Timeout.InfiniteTimeSpan;
        if (options.ApiKey is { } apiKey)
        {
            http.DefaultRequestHeaders.Add(LedgerClient.ApiKeyHeader, apiKey);
        }

        if (options.BearerToken is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private static void Configure(HttpStandardResilienceOptions resilience, LedgerClientOptions options)
    {
        resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
        resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
        resilience.Retry.MaxRetryAttempts = options.MaxRetries;
        resilience.Retry.Delay = options.RetryDelay;

        // The options validator asks the breaker's window to cover at least two attempts.
        var window = options.AttemptTimeout * 2;
        if (resilience.CircuitBreaker.SamplingDuration < window)
        {
            resilience.CircuitBreaker.SamplingDuration = window;
        }
    }
}
