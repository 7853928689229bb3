using System.Globalization;
using System.Net;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Ledger.Store.Cosmos;

/// <summary>The result of one attempt of a store operation: a value, or a reason to try again.</summary>
internal readonly record struct Attempt<T>
{
    public bool IsDone { get; private init; }
    public T? Value { get; private init; }
    public HttpStatusCode Status { get; private init; }
    public TimeSpan? RetryAfter { get; private init; }
    public string Detail { get; private init; }

    public static Attempt<T> Done(T value) => new() { IsDone = true, Value = value, Detail = string.Empty };

    public static Attempt<T> Retry(HttpStatusCode status, TimeSpan? retryAfter, string detail)
        => new() { IsDone = false, Status = status, RetryAfter = retryAfter, Detail = detail };
}

/// <summary>
/// The store's one retry loop, for every Cosmos DB call. The SDK's own throttling retries are switched
/// off (see <see cref="CosmosClientFactory"/>) so that this loop is the only place that waits, and its
/// bounds — attempts and total wait — hold for the operation as a whole. A 429 waits exactly the
/// retry-after the service asked for; timeouts and 503s back off exponentially with jitter. When the
/// budget is spent, or a retry-after would overrun it, the operation throws
/// <see cref="StoreUnavailableException"/>.
/// </summary>
internal sealed partial class CosmosRetryPolicy
{
    /// <summary>Longest single back-off after a transient fault.</summary>
    private static readonly TimeSpan MaxTransientBackoff = TimeSpan.FromSeconds(5);

    private readonly int _maxAttempts;
    private readonly TimeSpan _maxTotalWait;
    private readonly TimeSpan _transientBackoff;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Func<double> _jitter;
    private readonly RequestChargeRecorder _charges;
    private readonly ILogger _logger;

    public CosmosRetryPolicy(
        int maxAttempts,
        TimeSpan maxTotalWait,
        TimeSpan transientBackoff,
        RequestChargeRecorder charges,
        ILogger logger,
        Func<TimeSpan, CancellationToken, Task>? delay = null,
        Func<double>? jitter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _maxAttempts = maxAttempts;
        _maxTotalWait = maxTotalWait;
        _transientBackoff = transientBackoff;
        _charges = charges;
        _logger = logger;
        _delay = delay ?? Task.Delay;
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    public static CosmosRetryPolicy FromOptions(CosmosStoreOptions options, RequestChargeRecorder charges, ILogger logger)
        => new(options.MaxAttempts, options.MaxTotalRetryWait, options.TransientBackoff, charges, logger);

    public async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<Attempt<T>>> attempt, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Attempt<T> outcome;
            try
            {
                outcome = await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (CosmosException exception)
            {
                _charges.Record(operation, exception.RequestCharge, exception.StatusCode);
                outcome = FromException<T>(operation, exception);
            }
            catch (CosmosOperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The SDK's own request timeout, not the caller's cancellation.
                outcome = Attempt<T>.Retry(HttpStatusCode.RequestTimeout, null, $"Cosmos DB {operation} timed out: {exception.Message}");
            }
            catch (HttpRequestException exception)
            {
                outcome = Attempt<T>.Retry(HttpStatusCode.ServiceUnavailable, null, $"Cosmos DB {operation} could not connect: {exception.Message}");
            }

            if (outcome.IsDone)
            {
                return outcome.Value!;
            }

            if (attemptNumber >= _maxAttempts)
            {
                throw new StoreUnavailableException(string.Create(CultureInfo.InvariantCulture,
                    $"Cosmos DB {operation} gave up after {attemptNumber} attempts and {waited.TotalMilliseconds:0} ms of waiting; last: {outcome.Detail}"));
            }

            var pause = outcome.Status == CosmosStatus.TooManyRequests && outcome.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero
                ? retryAfter
                : Backoff(attemptNumber);
            if (waited + pause > _maxTotalWait)
            {
                throw new StoreUnavailableException(string.Create(CultureInfo.InvariantCulture,
                    $"Cosmos DB {operation} gave up after {attemptNumber} attempts: waiting {pause.TotalMilliseconds:0} ms more would pass the retry budget of {_maxTotalWait.TotalMilliseconds:0} ms; last: {outcome.Detail}"));
            }

            waited += pause;
            LogRetry(_logger, operation, attemptNumber, (int)outcome.Status, pause.TotalMilliseconds, outcome.Detail);
            await _delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential back-off with jitter between half and all of the step, capped.</summary>
    internal TimeSpan Backoff(int attemptNumber)
    {
        var exponent = Math.Min(attemptNumber - 1, 16);
        var step = Math.Min(_transientBackoff.TotalMilliseconds * Math.Pow(2, exponent), MaxTransientBackoff.TotalMilliseconds);
        var jittered = step * (0.5 + (0.5 * Math.Clamp(_jitter(), 0, 1)));
        return TimeSpan.FromMilliseconds(Math.Max(1, jittered));
    }

    /// <summary>Turns a failed response of a stream API into a retry, or throws what the caller should see.</summary>
    internal static Attempt<T> FromResponse<T>(string operation, ResponseMessage response)
    {
        var status = response.StatusCode;
        var detail = string.Create(CultureInfo.InvariantCulture, $"Cosmos DB {operation} failed with {(int)status} {status}: {response.ErrorMessage}");
        return Classify<T>(status, RetryAfterOf(response.Headers), detail, null);
    }

    private static Attempt<T> FromException<T>(string operation, CosmosException exception)
    {
        var detail = string.Create(CultureInfo.InvariantCulture, $"Cosmos DB {operation} failed with {(int)exception.StatusCode} {exception.StatusCode}: {exception.Message}");
        return Classify<T>(exception.StatusCode, exception.RetryAfter, detail, exception);
    }

    private static Attempt<T> Classify<T>(HttpStatusCode status, TimeSpan? retryAfter, string detail, Exception? cause)
    {
        return CosmosStatus.Classify(status) switch
        {
            FailureKind.Throttled => Attempt<T>.Retry(status, retryAfter, detail),
            FailureKind.Transient => Attempt<T>.Retry(status, null, detail),
            FailureKind.ProgrammingError => throw new InvalidOperationException(detail, cause),
            _ => throw new StoreUnavailableException(detail, cause),
        };
    }

    internal static TimeSpan? RetryAfterOf(Headers? headers)
    {
        if (headers is not null
            && headers.TryGetValue(CosmosStatus.RetryAfterMillisecondsHeader, out var text)
            && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds > 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return null;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Cosmos DB {Operation} attempt {Attempt} failed with {StatusCode}; retrying in {DelayMilliseconds} ms: {Detail}")]
    private static partial void LogRetry(ILogger logger, string operation, int attempt, int statusCode, double delayMilliseconds, string detail);
}
