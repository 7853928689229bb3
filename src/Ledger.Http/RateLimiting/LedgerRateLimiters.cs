using System.Threading.RateLimiting;
using Ledger.Domain;
using Ledger.Http.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Ledger.Http.RateLimiting;

/// <summary>
/// The <see cref="RateLimiterOptions"/> of the local host's per-caller limits: once the caller is authenticated,
/// its app's and its credential's token buckets (429 <c>rate_limited</c>, a problem document with
/// <c>Retry-After</c>). The bound on work in flight comes before them, in <see cref="InFlightBound"/>.
/// </summary>
public static class LedgerRateLimiters
{
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
