using Ledger.Domain;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http.RateLimiting;

/// <summary>
/// The bound on requests in flight (<see cref="RateLimitSettings.MaxInFlight"/>), ahead of everything
/// that reads a request: one beyond it is answered <c>503 overloaded</c> with <c>Retry-After</c>, before
/// its credential is checked or its body read, and never waits for a place. It is one interlocked
/// counter (no lock, no partition lookup, no queue), so shedding costs what a trivial request costs even
/// when every place is taken; the answer waits a short pause first (<see cref="RateLimitSettings.ShedPause"/>),
/// on a timer, so clients that retry at once cannot spend the admitted requests' CPU on being refused.
/// A request gives its place back when its answer starts, not when the pipeline has unwound after it:
/// with a Content-Length the client holds the whole answer once the body is flushed, and a client with one
/// request per connection sends the next one at once, so a place still held then would shed a client that
/// never exceeds the bound (bench/run saw 6 such 503s in 72,781 requests over 64 connections, the bound
/// being 64). Health probes are never shed, nor are the paths the host names as unbounded (its metrics
/// scrape): monitoring must see the host as it is when it is busiest, and a scrape that took a place would
/// shed a client that keeps within the bound.
/// </summary>
/// <param name="unboundedPaths">Paths, besides health, that neither take a place nor are shed.</param>
public sealed class InFlightBound(RequestDelegate next, RateLimitSettings settings, IReadOnlyList<PathString> unboundedPaths)
{
    private static readonly PathString HealthPath = "/" + LedgerRoutes.Health;

    /// <summary>Health first, then the host's: one list, so every exempt path is matched the same way.</summary>
    private readonly PathString[] _unboundedPaths = [HealthPath, .. unboundedPaths];

    private readonly LedgerError _overloaded = new(ErrorCodes.Overloaded, $"The ledger is serving {settings.MaxInFlight} requests already; retry shortly.");

    private int _inFlight;

    /// <summary>Requests holding a place now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsUnbounded(context.Request.Path))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (Interlocked.Increment(ref _inFlight) > settings.MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            await ShedAsync(context).ConfigureAwait(false);
            return;
        }

        // Given back once, whichever comes first: the answer starting, or the request ending without one.
        var place = new Place(this);
        context.Response.OnStarting(Place.GiveBackAtStart, place);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            place.GiveBack();
        }
    }

    private bool IsUnbounded(PathString path)
    {
        foreach (var unbounded in _unboundedPaths)
        {
            if (path.StartsWithSegments(unbounded))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Answers 503 after the configured pause, holding no place meanwhile: a client that retries at once
    /// then retries at a pace the admitted requests can afford. A caller gone during the pause gets nothing.
    /// </summary>
    private async Task ShedAsync(HttpContext context)
    {
        if (settings.ShedPause > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(settings.ShedPause, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        await Problems.Result(_overloaded, context).ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>One admitted request's place, given back exactly once.</summary>
    private sealed class Place(InFlightBound bound)
    {
        public static readonly Func<object, Task> GiveBackAtStart = static state =>
        {
            ((Place)state).GiveBack();
            return Task.CompletedTask;
        };

        private int _givenBack;

        public void GiveBack()
        {
            if (Interlocked.Exchange(ref _givenBack, 1) == 0)
            {
                Interlocked.Decrement(ref bound._inFlight);
            }
        }
    }
}
