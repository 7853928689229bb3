namespace Ledger.Projections.Tests;

public sealed class RetryBackoffTests
{
    [Fact]
    public void The_nominal_delay_doubles_per_failure_up_to_the_bound()
    {
        var backoff = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        Assert.Equal([100, 200, 400, 800, 1000, 1000], Enumerable.Range(1, 6).Select(failures => backoff.NominalDelay(failures).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.NominalDelay(int.MaxValue));
    }

    [Theory]
    [InlineData(0.0, 200)]
    [InlineData(0.5, 300)]
    [InlineData(1.0, 400)]
    [InlineData(7.0, 400)]
    public void The_jittered_delay_stays_in_the_upper_half_of_the_nominal_delay(double random, double expectedMilliseconds)
    {
        var backoff = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), () => random);
        Assert.Equal(expectedMilliseconds, backoff.DelayAfter(3).TotalMilliseconds);
    }

    [Fact]
    public void Delays_out_of_bounds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff(TimeSpan.FromSeconds(1), RetryBackoff.MaxAllowedDelay + TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)).NominalDelay(0));
    }
}
