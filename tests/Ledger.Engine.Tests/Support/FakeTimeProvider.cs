namespace Ledger.Engine.Tests.Support;

/// <summary>A clock that only moves when a test moves it, forwards or backwards. Safe to read from many threads.</summary>
internal sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset DefaultStart = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private long utcTicks = start.UtcTicks;

    public FakeTimeProvider()
        : this(DefaultStart)
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref utcTicks, by.Ticks);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref utcTicks, now.UtcTicks);
}
