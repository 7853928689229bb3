namespace Ledger.Torture;

/// <summary>Every keyed write the harness ever sent, in the order it was built; shared by the workers.</summary>
internal sealed class WriteLog
{
    private readonly List<KeyedWrite> _writes = [];
    private readonly object _gate = new();

    public void Add(KeyedWrite write)
    {
        lock (_gate)
        {
            _writes.Add(write);
        }
    }

    public IReadOnlyList<KeyedWrite> Snapshot()
    {
        lock (_gate)
        {
            return [.. _writes];
        }
    }

    /// <summary>An acknowledged write of one of <paramref name="kinds"/>, picked at random; null when there is none yet.</summary>
    public KeyedWrite? PickAcknowledged(Random random, params WriteKind[] kinds)
    {
        lock (_gate)
        {
            // Recent writes first: they are the ones most likely still open (holds) or refundable.
            for (var attempt = 0; attempt < 8 && _writes.Count > 0; attempt++)
            {
                var index = _writes.Count - 1 - random.Next(Math.Min(_writes.Count, 200));
                var write = _writes[index];
                if (write.Outcome == WriteOutcome.Acknowledged && write.ResourceId is not null && kinds.Contains(write.Kind))
                {
                    return write;
                }
            }

            return null;
        }
    }
}
