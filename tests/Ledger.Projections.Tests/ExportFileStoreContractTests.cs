using System.Security.Cryptography;
using System.Text;
using Ledger.Projections.Tests.Support;

namespace Ledger.Projections.Tests;

/// <summary>
/// What every export file store promises, checked against each: the data directory and a blob container (on Azurite).
/// A file is visible only once committed, whole, to every instance over the same files.
/// </summary>
public sealed class ExportFileStoreContractTests
{
    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_committed_file_reads_back_byte_for_byte_and_its_size_is_returned(ExportFileStoreKind kind)
    {
        await using var files = await TestExportFiles.CreateAsync(kind);
        var id = TestExportFiles.NewExportId();
        var content = Encoding.UTF8.GetBytes("id,amount\r\nalice/1,\"1,5\"\r\nbob/2,ü 日本\r\n");

        var size = await WriteAsync(files.Store, id, content);

        Assert.Equal(content.Length, size);
        Assert.Equal(content, await ReadAsync(files.Store, id));
        Assert.Equal([id + ".csv"], await files.ListAsync());
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_file_never_written_reads_as_none_before_and_after_other_files_exist(ExportFileStoreKind kind)
    {
        await using var files = await TestExportFiles.CreateAsync(kind);

        Assert.Null(await files.Store.OpenReadAsync(TestExportFiles.NewExportId(), CancellationToken.None));
        await WriteAsync(files.Store, TestExportFiles.NewExportId(), [1, 2, 3]);
        Assert.Null(await files.Store.OpenReadAsync(TestExportFiles.NewExportId(), CancellationToken.None));
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_file_abandoned_before_its_commit_is_never_seen_and_leaves_the_committed_one_whole(ExportFileStoreKind kind)
    {
        // Small blob blocks, so the abandoned writer has staged several of them before it is dropped.
        await using var files = await TestExportFiles.CreateAsync(kind, blobBlockBytes: 1024);
        var fresh = TestExportFiles.NewExportId();
        var existing = TestExportFiles.NewExportId();
        var committed = Encoding.UTF8.GetBytes("the whole first version\r\n");
        await WriteAsync(files.Store, existing, committed);

        foreach (var id in new[] { fresh, existing })
        {
            await using var abandoned = await files.Store.CreateAsync(id, CancellationToken.None);
            await abandoned.Content.WriteAsync(new byte[10_000]);
            await abandoned.Content.FlushAsync();
        }

        Assert.Null(await files.Store.OpenReadAsync(fresh, CancellationToken.None));
        Assert.Equal(committed, await ReadAsync(files.Store, existing));
        Assert.Equal([existing + ".csv"], await files.ListAsync());
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task Writing_a_file_again_replaces_it_whole_and_the_same_content_twice_reads_the_same(ExportFileStoreKind kind)
    {
        await using var files = await TestExportFiles.CreateAsync(kind, blobBlockBytes: 16);
        var id = TestExportFiles.NewExportId();
        var longer = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("a longer first version\r\n", 10)));
        var shorter = Encoding.UTF8.GetBytes("short\r\n");

        await WriteAsync(files.Store, id, longer);
        await WriteAsync(files.Store, id, shorter);
        Assert.Equal(shorter, await ReadAsync(files.Store, id));

        // A re-run of an export (after a crash before its status was saved) writes the same bytes again.
        Assert.Equal(shorter.Length, await WriteAsync(files.Store, id, shorter));
        Assert.Equal(shorter, await ReadAsync(files.Store, id));
        Assert.Equal([id + ".csv"], await files.ListAsync());
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_large_file_written_in_pieces_streams_back_whole(ExportFileStoreKind kind)
    {
        // 24 MiB in odd-sized pieces: several default 4 MiB blob blocks and a partial last one.
        const int pieces = 3 * 1024;
        var piece = new byte[8 * 1024 + 7];
        await using var files = await TestExportFiles.CreateAsync(kind);
        var id = TestExportFiles.NewExportId();
        using var written = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        await using (var writer = await files.Store.CreateAsync(id, CancellationToken.None))
        {
            for (var index = 0; index < pieces; index++)
            {
                Random.Shared.NextBytes(piece);
                written.AppendData(piece);
                await writer.Content.WriteAsync(piece);
            }

            Assert.Equal((long)pieces * piece.Length, await writer.CommitAsync(CancellationToken.None));
        }

        await using var reader = await files.Store.OpenReadAsync(id, CancellationToken.None);
        Assert.NotNull(reader);
        Assert.Equal(written.GetHashAndReset(), await SHA256.HashDataAsync(reader));
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_file_committed_by_one_instance_is_read_by_another_over_the_same_files(ExportFileStoreKind kind)
    {
        await using var files = await TestExportFiles.CreateAsync(kind);
        var id = TestExportFiles.NewExportId();
        var content = Encoding.UTF8.GetBytes("written here, read there\r\n");

        await WriteAsync(files.Store, id, content);

        Assert.Equal(content, await ReadAsync(files.OtherInstance(), id));
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task Names_that_are_not_export_ids_are_refused_so_no_file_escapes_its_place(ExportFileStoreKind kind)
    {
        await using var files = await TestExportFiles.CreateAsync(kind);

        foreach (var name in new[] { "../exp_000000000000000000000000", "exp_00000000000000000000000/", "report", "EXP_000000000000000000000000" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => files.Store.CreateAsync(name, CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => files.Store.OpenReadAsync(name, CancellationToken.None));
        }

        Assert.Empty(await files.ListAsync());
    }

    private static async Task<long> WriteAsync(IExportFileStore store, string id, byte[] content)
    {
        await using var writer = await store.CreateAsync(id, CancellationToken.None);
        await writer.Content.WriteAsync(content);
        return await writer.CommitAsync(CancellationToken.None);
    }

    private static async Task<byte[]> ReadAsync(IExportFileStore store, string id)
    {
        await using var stream = await store.OpenReadAsync(id, CancellationToken.None);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
