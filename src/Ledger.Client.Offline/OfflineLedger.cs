namespace Ledger.Client.Offline;

/// <summary>
/// Toka-style offline writes over <see cref="LedgerClient"/>. Every write is first appended, with its
/// idempotency key, to a SQLite file on the device, then the queue is replayed in order. A write the
/// ledger does not answer stays queued; a later replay resends it with the same key, so it takes effect
/// exactly once however many times it is sent. A write the ledger refuses (such as insufficient_funds) is
/// kept as refused with the problem and its original request, and never sent again. One device at a time
/// replays a shared file (a lease row taken under BEGIN IMMEDIATE), and even a second sender of the same
/// row would only replay the first outcome.
/// </summary>
public sealed class OfflineLedger
{
    private readonly QueueFile _file;
    private readonly LedgerClient _client;
    private readonly OfflineLedgerOptions _options;
    private readonly string _device;
    private readonly SemaphoreSlim _replaying = new(1, 1);

    public OfflineLedger(string queuePath, LedgerClient client, OfflineLedgerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(queuePath);
        ArgumentNullException.ThrowIfNull(client);
        _file = new QueueFile(queuePath);
        _client = client;
        _options = options ?? new OfflineLedgerOptions();
        _device = _options.DeviceId ?? "device-" + Guid.NewGuid().ToString("N");
    }

    /// <summary>Called after each write a replay settles (confirmed or refused), in queue order.</summary>
    public event Action<QueuedWrite>? Settled;

    /// <summary>Appends the write durably (a key is chosen now when it has none) without sending anything.</summary>
    public QueuedWrite Enqueue(OfflineWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var keyed = write.IdempotencyKey is null ? write.WithKey(LedgerClient.NewIdempotencyKey()) : write;
        return _file.Append(keyed, _options.TimeProvider.GetUtcNow());
    }

    /// <summary>Queues the write, then replays the queue: the write comes back confirmed, refused, or still pending (no answer).</summary>
    public async Task<SubmitOutcome> SubmitAsync(OfflineWrite write, CancellationToken cancellationToken = default)
    {
        var queued = Enqueue(write);
        var replay = await ReplayAsync(cancellationToken).ConfigureAwait(false);
        var now = _file.Writes("WHERE seq = $seq", ("$seq", queued.Sequence)).Single();
        return new SubmitOutcome(now, replay);
    }

    /// <summary>
    /// Sends the pending writes in queue order until none is left or the ledger stops answering. Refusals are
    /// reported and the replay goes on with the next write; a missing or busy answer stops it, keeping the order.
    /// </summary>
    public async Task<ReplayReport> ReplayAsync(CancellationToken cancellationToken = default)
    {
        await _replaying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!TryLease())
            {
                return new ReplayReport([], [], ReplayStop.ReplayedElsewhere, null);
            }

            try
            {
                return await DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _file.ReleaseLease(_device);
            }
        }
        finally
        {
            _replaying.Release();
        }
    }

    private async Task<ReplayReport> DrainAsync(CancellationToken cancellationToken)
    {
        var confirmed = new List<QueuedWrite>();
        var refused = new List<QueuedWrite>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // The lease is checked before every send: a device that stalled past its lease stops instead of racing the next one.
            var (leased, claimed) = _file.ClaimNext(_device, _options.TimeProvider.GetUtcNow(), _options.ReplayLease);
            if (!leased)
            {
                return new ReplayReport(confirmed, refused, ReplayStop.ReplayedElsewhere, null);
            }

            if (claimed is not { } next)
            {
                return new ReplayReport(confirmed, refused, ReplayStop.Drained, null);
            }

            var (settled, stop, cause) = await SendAsync(next, cancellationToken).ConfigureAwait(false);
            if (settled is null)
            {
                return new ReplayReport(confirmed, refused, stop, cause);
            }

            // A row another device settled meanwhile (its lease had run out) is that device's to report.
            if (settled.Value.Mine)
            {
                (settled.Value.Write.State == WriteState.Refused ? refused : confirmed).Add(settled.Value.Write);
            }
        }
    }

    /// <summary>Sends one write with its own key and settles it, or says why the replay must stop.</summary>
    private async Task<((QueuedWrite Write, bool Mine)? Settled, ReplayStop Stop, Exception? Cause)> SendAsync(QueuedWrite next, CancellationToken cancellationToken)
    {
        SentWrite sent;
        try
        {
            sent = await next.Write.SendAsync(_client, cancellationToken).ConfigureAwait(false);
        }
        catch (LedgerApiException refusal) when (!refusal.IsTransient)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(refusal.Problem, ClientJson.Default.LedgerProblem);
            return (Settle(next, WriteState.Refused, json, [], []), ReplayStop.Drained, null);
        }
        catch (LedgerApiException busy)
        {
            return (null, ReplayStop.LedgerBusy, busy);
        }
        catch (LedgerUnreachableException unreachable)
        {
            return (null, ReplayStop.Unreachable, unreachable);
        }

        var confirmed = Settle(next, WriteState.Confirmed, sent.ResponseJson, sent.Balances, sent.StaleAccounts);
        foreach (var account in sent.StaleAccounts)
        {
            await TryRefreshBalanceAsync(account, cancellationToken).ConfigureAwait(false);
        }

        return (confirmed, ReplayStop.Drained, null);
    }

    /// <summary>Settles the row and reports it; when another device settled it first, its outcome stands and Mine is false.</summary>
    private (QueuedWrite Write, bool Mine) Settle(QueuedWrite next, WriteState state, string outcome, IReadOnlyList<(string AccountId, long Balance)> balances, IReadOnlyList<string> stale)
    {
        var mine = _file.Settle(next.Sequence, state, outcome, balances, stale, _options.TimeProvider.GetUtcNow());
        var settled = _file.Writes("WHERE seq = $seq", ("$seq", next.Sequence)).Single();
        if (mine)
        {
            Settled?.Invoke(settled);
        }

        return (settled, mine);
    }

    /// <summary>Reads the account's balance from the ledger and remembers it; false when the ledger did not answer.</summary>
    public async Task<bool> TryRefreshBalanceAsync(string accountId, CancellationToken cancellationToken = default)
    {
        try
        {
            var balance = await _client.GetBalanceAsync(accountId, cancellationToken: cancellationToken).ConfigureAwait(false);
            _file.RememberBalance(accountId, balance.Amount, _options.TimeProvider.GetUtcNow());
            return true;
        }
        catch (Exception exception) when (exception is LedgerUnreachableException or LedgerApiException)
        {
            return false;
        }
    }

    /// <summary>The last balance the ledger reported for the account plus the effects of the writes still queued.</summary>
    public LocalBalance GetLocalBalance(string accountId)
    {
        long delta = 0;
        var writes = 0;
        var unknown = false;
        foreach (var pending in Pending())
        {
            foreach (var (account, effect) in pending.Write.Effects(_options).Where(effect => effect.AccountId == accountId))
            {
                writes++;
                if (effect is { } known)
                {
                    delta = checked(delta + known);
                }
                else
                {
                    unknown = true;
                }
            }
        }

        var last = _file.KnownBalance(accountId);
        return new LocalBalance(accountId, last?.Balance, last?.KnownAt, delta, writes, unknown);
    }

    /// <summary>The writes not yet answered, in queue order.</summary>
    public IReadOnlyList<QueuedWrite> Pending() => _file.Writes("WHERE state = 'pending' ORDER BY seq");

    /// <summary>The writes the ledger refused, with their original requests and problems, in queue order.</summary>
    public IReadOnlyList<QueuedWrite> Refused() => _file.Writes("WHERE state = 'refused' ORDER BY seq");

    /// <summary>Every write the file holds, in queue order.</summary>
    public IReadOnlyList<QueuedWrite> All() => _file.Writes("ORDER BY seq");

    private bool TryLease() => _file.TryLease(_device, _options.TimeProvider.GetUtcNow(), _options.ReplayLease);
}
