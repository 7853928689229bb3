using System.Threading.RateLimiting;
using Ledger.Domain;
using Ledger.Http.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Ledger.Http.RateLimiting;

/// <summary>
/// The two <see cref="RateLimiterOptions"/> the local host runs its requests through: first the bound on work in
/// flight (503 <c>overloaded</c>), then, once the caller is authenticated, its app's and its credential's
/// token buckets (429 <c>rate_limited</c>). Both answer with a problem document and <c>Retry-After</c>.
/// </summary>
public static class LedgerRateLimiters
{
    /// <summary>Probes must see the host as it is, so health paths are never shed.</summary>
    private const string HealthPath = "/" + LedgerRoutes.Health;

    public static RateLimiterOptions InFlight(RateLimitSettings settings)
    {
        var concurrency = new ConcurrencyLimiterOptions { PermitLimit = settings.MaxInFlight, QueueLimit = settings.InFlightQueue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };
        return new RateLimiterOptions
        {
            RejectionStatusCode = StatusCodes.Status503ServiceUnavailable,
            GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => context.Request.Path.StartsWithSegments(HealthPath)
                ? RateLimitPartition.GetNoLimiter("health")
                : RateLimitPartition.GetConcurrencyLimiter("in-flight", _ => concurrency)),
            OnRejected = (rejected, _) => new ValueTask(Problems.Result(
                new LedgerError(ErrorCodes.Overloaded, $"The ledger is serving {settings.MaxInFlight} requests already; retry shortly."),
                rejected.HttpContext).ExecuteAsync(rejected.HttpContext)),
        };
    }

    /// <summary>Per app and per credential; requests without an authenticated caller are left to the route (401, or anonymous).</summary>
    public static RateLimiterOptions PerCaller(RateLimitSettings settings) => new()
    {
        RejectionStatusCode = StatusCodes.Status429TooManyRequests,
        GlobalLimiter = PartitionedRateLimiter.CreateChained(PerApp(settings), PerKey(settings)),
        OnRejected = (rejected, _) => new ValueTask(Problems.Result(
            new LedgerError(ErrorCodes.RateLimited, "This app or key has sent more requests than its rate limit allows; retry after the time given."),
            rejected.HttpContext,
            rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1)).ExecuteAsync(rejected.HttpContext)),
    };

    private static PartitionedRateLimiter<HttpContext> PerApp(RateLimitSettings settings)
        => PartitionedRateLimiter.Create<HttpContext, string>(context => LedgerPrincipal.AppOf(context.User) is { } app
            ? RateLimitPartition.GetTokenBucketLimiter(app.Value, name => settings.ForApp(name).ToOptions())
            : RateLimitPartition.GetNoLimiter(string.Empty));

    private static PartitionedRateLimiter<HttpContext> PerKey(RateLimitSettings settings)
        => PartitionedRateLimiter.Create<HttpContext, string>(context => LedgerPrincipal.CredentialOf(context.User) is { } credential
            ? RateLimitPartition.GetTokenBucketLimiter(credential, _ => settings.PerKey.ToOptions())
            : RateLimitPartition.GetNoLimiter(string.Empty));
}
