using System.Collections.Concurrent;
using Ledger.Domain;

namespace Ledger.Engine.Partitions;

/// <summary>
/// The last account state this process committed or read, per partition, with its ETag. Safe to be
/// stale: every account write carries the ETag as a precondition, so a stale entry costs one failed
/// batch and a reload, never a wrong balance. Bounded: past the limit it starts over.
/// </summary>
internal sealed class AccountCache
{
    private readonly ConcurrentDictionary<string, CachedAccount> _accounts = new(StringComparer.Ordinal);
    private readonly int _maxAccounts;

    public AccountCache(int maxAccounts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAccounts, 0);
        _maxAccounts = maxAccounts;
    }

    public bool TryGet(string partition, out CachedAccount account) => _accounts.TryGetValue(partition, out account);

    public void Set(string partition, CachedAccount account)
    {
        if (_maxAccounts == 0)
        {
            return;
        }

        // ContainsKey first: it is lock-free, while Count takes every lock of the dictionary.
        if (!_accounts.ContainsKey(partition) && _accounts.Count >= _maxAccounts)
        {
            _accounts.Clear();
        }

        _accounts[partition] = account;
    }

    public void Invalidate(string partition) => _accounts.TryRemove(partition, out _);
}

/// <summary>An account state and the ETag of its document; both null when the account does not exist.</summary>
internal readonly record struct CachedAccount(AccountState? State, string? ETag);
