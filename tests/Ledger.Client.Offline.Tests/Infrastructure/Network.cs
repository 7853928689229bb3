namespace Ledger.Client.Offline.Tests.Infrastructure;

/// <summary>
/// The device's network, switchable: while down every request fails as a refused connection does; with
/// <see cref="LoseNextAnswers"/> requests reach the ledger but their answers are lost on the way back.
/// </summary>
public sealed class Network : DelegatingHandler
{
    private volatile bool _down;
    private int _answersToLose;

    public int Requests;

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    public void LoseNextAnswers(int count) => Volatile.Write(ref _answersToLose, count);

    private HeldRequest? _hold;

    /// <summary>
    /// Holds the next request until <paramref name="release"/> completes, signalling <paramref name="held"/>
    /// once it is held: before it leaves the device, or after the ledger answered it.
    /// </summary>
    public void Hold(TaskCompletionSource held, TaskCompletionSource release, bool afterSending) => _hold = new HeldRequest(held, release, afterSending);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_down)
        {
            throw new HttpRequestException("Connection refused (the device is offline).");
        }

        var hold = Interlocked.Exchange(ref _hold, null);
        if (hold is { AfterSending: false } before)
        {
            before.Held.SetResult();
            await before.Release.Task.WaitAsync(cancellationToken);
        }

        Interlocked.Increment(ref Requests);
        var response = await base.SendAsync(request, cancellationToken);
        if (hold is { AfterSending: true } after)
        {
            after.Held.SetResult();
            await after.Release.Task.WaitAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref _answersToLose) >= 0)
        {
            response.Dispose();
            throw new HttpRequestException("The connection dropped before the answer arrived.");
        }

        return response;
    }

    private sealed record HeldRequest(TaskCompletionSource Held, TaskCompletionSource Release, bool AfterSending);
}

/// <summary>A queue file in a directory of its own, deleted afterwards.</summary>
public sealed class QueuePath : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ledger-offline-queues", Guid.NewGuid().ToString("N"));

    public QueuePath()
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "queue.db");
    }

    public string Path { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test that used it.
        }
    }
}
