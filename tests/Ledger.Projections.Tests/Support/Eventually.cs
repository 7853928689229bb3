namespace Ledger.Projections.Tests.Support;

/// <summary>
/// Waits for a condition that background work will make true. The timeout only stops a broken test from
/// hanging; no assertion depends on how long anything took.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        using var timeout = new CancellationTokenSource(SafetyTimeout);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail("Never happened: " + what);
            }

            await Task.Delay(10);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);
}
