using System.Reflection;
using Ledger.Storage;

namespace Ledger.Functions.Tests.Support;

/// <summary>
/// A store whose commits to one partition fail while the test says so, as a partition that is briefly
/// unavailable does: the commit throws and writes nothing. Every other call goes to the real store
/// unchanged (a proxy, so members the port gains later pass through too). Not sealed: the proxy type
/// <see cref="DispatchProxy"/> generates derives from it.
/// </summary>
internal class FlakyLedgerStore : DispatchProxy
{
    private static readonly MethodInfo Commit = typeof(ILedgerStore).GetMethod(nameof(ILedgerStore.CommitAsync))!;

    private readonly Lock _gate = new();
    private ILedgerStore _inner = null!;
    private string? _partition;
    private int _failuresLeft;

    /// <summary>How many commits failed so far.</summary>
    public int Failed { get; private set; }

    public static (ILedgerStore Store, FlakyLedgerStore Control) Over(ILedgerStore inner)
    {
        var store = Create<ILedgerStore, FlakyLedgerStore>();
        var control = (FlakyLedgerStore)(object)store;
        control._inner = inner;
        return (store, control);
    }

    /// <summary>The next <paramref name="times"/> commits to <paramref name="partition"/> fail; <see cref="int.MaxValue"/> for until <see cref="Heal"/>.</summary>
    public void FailCommitsTo(string partition, int times)
    {
        lock (_gate)
        {
            _partition = partition;
            _failuresLeft = times;
        }
    }

    public void Heal() => FailCommitsTo(string.Empty, 0);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod == Commit && ShouldFail((PartitionBatch)args![0]!))
        {
            return new ValueTask<BatchResult>(Task.FromException<BatchResult>(
                new TimeoutException($"Partition '{((PartitionBatch)args[0]!).Partition}' did not answer in time (injected by the test).")));
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException invocation) when (invocation.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(invocation.InnerException);
            throw;
        }
    }

    private bool ShouldFail(PartitionBatch batch)
    {
        lock (_gate)
        {
            if (_failuresLeft == 0 || batch.Partition != _partition)
            {
                return false;
            }

            if (_failuresLeft != int.MaxValue)
            {
                _failuresLeft--;
            }

            Failed++;
            return true;
        }
    }
}
