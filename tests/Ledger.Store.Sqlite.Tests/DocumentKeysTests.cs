using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>The integer keys a ledger file indexes its documents by; files keep them, so they never change.</summary>
public sealed class DocumentKeysTests
{
    private static readonly DocumentKeys Keys = new(seed: 42);

    [Fact]
    public void Keys_of_a_known_seed_stay_what_files_written_with_them_hold()
    {
        // Taken from the build that introduced schema 4. A change of hash, seed use or layout makes every
        // file written before unreadable by point reads, so these values must never change.
        Assert.Equal(-2556133481014334604L, Keys.Of("app1/alice", "account"));
        Assert.Equal(-2556133481902558806L, Keys.Of("app1/alice", "tx:00000000000000000000000000000000"));
        Assert.Equal(-6784205470532713687L, Keys.Of("idem/app1/\u00e9t\u00e9", "claim"));
        Assert.Equal(3699821092L, Keys.PartitionOf("app1/alice"));
    }

    [Fact]
    public void Every_key_of_a_partition_lies_in_its_range_and_leads_with_its_partition_hash()
    {
        Prop.ForAll<NonNull<string>, NonNull<string>>((partition, id) =>
            {
                var key = Keys.Of(partition.Get, id.Get);
                var (lowest, highest) = Keys.RangeOf(partition.Get);
                return key >= lowest && key <= highest && highest - lowest == uint.MaxValue
                    && unchecked((ulong)key >> 32) == (ulong)Keys.PartitionOf(partition.Get)
                    && DocumentKeys.PartitionOfKey(key) == Keys.PartitionOf(partition.Get);
            })
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Another_seed_gives_other_keys()
    {
        var other = new DocumentKeys(seed: 43);
        Assert.NotEqual(Keys.Of("app1/alice", "account"), other.Of("app1/alice", "account"));
        Assert.NotEqual(Keys.PartitionOf("app1/alice"), other.PartitionOf("app1/alice"));
    }
}
