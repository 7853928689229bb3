using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;

namespace Ledger.Http.RateLimiting;

/// <summary>A token bucket: a sustained rate and the burst it allows above it.</summary>
public sealed record TokenBucketSettings(int TokensPerSecond, int Burst)
{
    /// <summary>
    /// Options for a bucket inside a partitioned limiter, whose own timer replenishes every 100 ms: a rate of
    /// ten or more per second is added in tenths, a smaller one a token at a time.
    /// </summary>
    public TokenBucketRateLimiterOptions ToOptions() => new()
    {
        TokenLimit = Burst,
        TokensPerPeriod = TokensPerSecond >= 10 ? (TokensPerSecond + 9) / 10 : 1,
        ReplenishmentPeriod = TokensPerSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1.0 / TokensPerSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    internal static TokenBucketSettings Read(IConfigurationSection section, TokenBucketSettings fallback)
    {
        var settings = new TokenBucketSettings(
            Positive(section, nameof(TokensPerSecond)) ?? fallback.TokensPerSecond,
            Positive(section, nameof(Burst)) ?? fallback.Burst);
        return settings;
    }

    internal static int? Positive(IConfigurationSection section, string name)
        => WholeNumber(section, name, 1, int.MaxValue, "a whole number above zero");

    /// <summary>The setting as a whole number from <paramref name="minimum"/> to <paramref name="maximum"/>; null when unset; anything else stops the host, naming the setting.</summary>
    internal static int? WholeNumber(IConfigurationSection section, string name, int minimum, int maximum, string expected)
    {
        var text = section[name];
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new InvalidOperationException($"'{section.Path}:{name}' is '{text}'; use {expected}.");
    }
}

/// <summary>
/// Request limits, from <c>Ledger:RateLimits</c>: a token bucket per app (<c>Default</c>, overridden by
/// <c>Ledger:Apps:{app}:RateLimit</c>) and per credential (<c>PerKey</c>), answered 429; and a bound on
/// requests in flight (<c>MaxInFlight</c>), beyond which requests are shed with 503 after a short pause
/// (<c>ShedPauseMilliseconds</c>) that holds no place. There are no
/// waiting places: a queued request only adds its wait to the latency of everything behind it
/// (<c>InFlightQueue</c> may only be 0). The defaults let one app key run the benchmarks (tens of
/// thousands of requests per second at 64 connections) unthrottled, and shed at 512 connections.
/// </summary>
public sealed record RateLimitSettings
{
    public const string SectionName = "Ledger:RateLimits";

    public static readonly TokenBucketSettings DefaultPerApp = new(100_000, 100_000);
    public static readonly TokenBucketSettings DefaultPerKey = new(100_000, 100_000);
    /// <summary>
    /// As many as the 64 connections the benchmarks run with (one request in flight per HTTP/1.1
    /// connection, so they are never shed), and small enough that what is accepted finishes quickly: a
    /// request's time in the host is about the work in flight divided by the rate it is done at (Little's
    /// law), about 20 ms at the 3,000-4,000 durable postings per second of a 2-core machine. In short runs
    /// of bench/run's 512-connection scenario the accepted requests' p99 fell in the host's 250 ms
    /// histogram bucket with 128 and in its 100 ms bucket with 64 to 96 (48 shed at 64 connections).
    /// </summary>
    public const int DefaultMaxInFlight = 64;

    /// <summary>
    /// How long a shed request waits before its 503 is sent. The wait holds no place and no thread (a
    /// timer), and it paces clients that retry at once without honouring <c>Retry-After</c>: in bench/run's
    /// 512-connection scenario, answering at once let about 18,000 sheds per second take most of a core
    /// from the admitted requests (2,107 accepted per second, their p99 in the host's 250 ms bucket); with
    /// 25 ms, 9,710 sheds per second left 2,811 accepted per second with their p99 in the 75 ms bucket.
    /// </summary>
    public const int DefaultShedPauseMilliseconds = 25;

    /// <summary>Longest <see cref="ShedPause"/> a host may configure: a shed answer must still come quickly.</summary>
    public const int MaxShedPauseMilliseconds = 1_000;

    public required TokenBucketSettings PerApp { get; init; }

    public required TokenBucketSettings PerKey { get; init; }

    /// <summary>Apps with limits of their own, by app id.</summary>
    public required IReadOnlyDictionary<string, TokenBucketSettings> Apps { get; init; }

    public int MaxInFlight { get; init; } = DefaultMaxInFlight;

    /// <summary>The wait before a shed request's 503 (<c>ShedPauseMilliseconds</c>, 0 to 1,000; 0 answers at once).</summary>
    public TimeSpan ShedPause { get; init; } = TimeSpan.FromMilliseconds(DefaultShedPauseMilliseconds);

    public TokenBucketSettings ForApp(string app) => Apps.TryGetValue(app, out var own) ? own : PerApp;

    public static RateLimitSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var perApp = TokenBucketSettings.Read(section.GetSection("Default"), DefaultPerApp);
        var apps = configuration.GetSection(AppRegistry.SectionName).GetChildren()
            .Where(app => app.GetSection("RateLimit").Exists())
            .ToDictionary(app => app.Key, app => TokenBucketSettings.Read(app.GetSection("RateLimit"), perApp), StringComparer.Ordinal);
        if (section["InFlightQueue"] is { } queueText && queueText.Trim() != "0")
        {
            throw new InvalidOperationException($"'{SectionName}:InFlightQueue' is '{queueText}'; requests beyond MaxInFlight are shed, never queued for a place: leave it out or set 0.");
        }

        return new RateLimitSettings
        {
            PerApp = perApp,
            PerKey = TokenBucketSettings.Read(section.GetSection("PerKey"), DefaultPerKey),
            Apps = apps,
            MaxInFlight = TokenBucketSettings.Positive(section, "MaxInFlight") ?? DefaultMaxInFlight,
            ShedPause = TimeSpan.FromMilliseconds(
                TokenBucketSettings.WholeNumber(section, "ShedPauseMilliseconds", 0, MaxShedPauseMilliseconds, $"a whole number of milliseconds from 0 to {MaxShedPauseMilliseconds}")
                ?? DefaultShedPauseMilliseconds),
        };
    }
}
