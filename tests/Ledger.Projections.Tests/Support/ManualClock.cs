namespace Ledger.Projections.Tests.Support;

/// <summary>
/// A clock that moves only when a test moves it. Timers (Task.Delay) stay real: the base TimeProvider
/// creates system timers, so loops that wait still wake up, while every recorded instant is the test's.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualClock()
        : this(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
