using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Ledger.Projections.Tests.Support;
using Ledger.Tests.Shared;

namespace Ledger.Projections.Tests;

/// <summary>The blob store's own promises, beyond the contract every file store keeps (on Azurite).</summary>
public sealed class BlobExportFileStoreTests
{
    [AzuriteFact]
    public async Task The_first_write_creates_the_container_and_a_read_before_it_finds_nothing()
    {
        var container = new BlobContainerClient(await Azurite.ConnectionStringAsync(), "exports-" + Guid.NewGuid().ToString("N"));
        var store = new BlobExportFileStore(container);
        var id = TestExportFiles.NewExportId();

        Assert.Null(await store.OpenReadAsync(id, CancellationToken.None));
        Assert.False(await container.ExistsAsync());

        await using (var writer = await store.CreateAsync(id, CancellationToken.None))
        {
            await writer.Content.WriteAsync("x\r\n"u8.ToArray());
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.True(await container.ExistsAsync());
        await container.DeleteAsync();
    }

    [AzuriteFact]
    public async Task A_file_is_committed_as_blocks_of_at_most_the_block_size_and_served_as_utf8_csv()
    {
        await using var files = await TestExportFiles.CreateAsync(ExportFileStoreKind.Blob, blobBlockBytes: 1024);
        var store = (BlobExportFileStore)files.Store;
        var id = TestExportFiles.NewExportId();
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 300).Select(row => $"row {row:D3},ü\r\n")));

        await using (var writer = await store.CreateAsync(id, CancellationToken.None))
        {
            // Written in pieces that straddle block boundaries, as the CSV writer's buffer does.
            foreach (var piece in content.Chunk(700))
            {
                await writer.Content.WriteAsync(piece);
            }

            Assert.Equal(content.Length, await writer.CommitAsync(CancellationToken.None));
        }

        var blob = store.Container.GetBlockBlobClient(id + ".csv");
        BlockList blocks = await blob.GetBlockListAsync(BlockListTypes.All);
        Assert.Equal((content.Length + 1023) / 1024, blocks.CommittedBlocks.Count());
        Assert.All(blocks.CommittedBlocks, block => Assert.True(block.SizeLong <= 1024, $"a block of {block.SizeLong} bytes"));
        Assert.Empty(blocks.UncommittedBlocks);
        BlobProperties properties = await blob.GetPropertiesAsync();
        Assert.Equal(BlobExportFileStore.ContentType, properties.ContentType);
        Assert.Equal(content.Length, properties.ContentLength);
    }

    [AzuriteFact]
    public async Task The_store_the_options_name_with_a_connection_string_reaches_its_container()
    {
        var options = new ExportFileStoreOptions
        {
            Store = ExportFileStoreKind.Blob,
            BlobConnectionString = await Azurite.ConnectionStringAsync(),
            BlobContainerName = "exports-" + Guid.NewGuid().ToString("N"),
        };
        var store = BlobExportFileStore.Create(options);
        var id = TestExportFiles.NewExportId();

        await using (var writer = await store.CreateAsync(id, CancellationToken.None))
        {
            await writer.Content.WriteAsync("a,b\r\n"u8.ToArray());
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(options.BlobContainerName, store.Container.Name);
        var downloaded = await new BlobContainerClient(options.BlobConnectionString, options.BlobContainerName).GetBlobClient(id + ".csv").DownloadContentAsync();
        Assert.Equal("a,b\r\n", downloaded.Value.Content.ToString());
        await store.Container.DeleteAsync();
    }

    [Fact]
    public void Blob_options_need_exactly_one_way_to_reach_the_account_and_a_valid_container_name()
    {
        var uri = new Uri("https://account.blob.core.windows.net/");
        new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobServiceUri = uri }.Validate();
        new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobConnectionString = "UseDevelopmentStorage=true", BlobContainerName = "ledger-exports-2" }.Validate();
        new ExportFileStoreOptions { Store = ExportFileStoreKind.Disk, BlobContainerName = "Not Checked On Disk" }.Validate();

        var neither = Assert.Throws<ArgumentException>(() => new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob }.Validate());
        Assert.Contains("Ledger:Exports:Blob:ServiceUri", neither.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobServiceUri = uri, BlobConnectionString = "UseDevelopmentStorage=true" }.Validate());
        Assert.Throws<ArgumentException>(() => new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobServiceUri = new Uri("exports", UriKind.Relative) }.Validate());
        var plainHttp = Assert.Throws<ArgumentException>(() => new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobServiceUri = new Uri("http://account.blob.core.windows.net/") }.Validate());
        Assert.Contains("https", plainHttp.Message, StringComparison.Ordinal);
        foreach (var name in new[] { "ex", "Exports", "-exports", "exports-", "ex--ports", "exports_1", new string('a', 64) })
        {
            var bad = Assert.Throws<ArgumentException>(() => new ExportFileStoreOptions { Store = ExportFileStoreKind.Blob, BlobServiceUri = uri, BlobContainerName = name }.Validate());
            Assert.Contains("Ledger:Exports:Blob:ContainerName", bad.Message, StringComparison.Ordinal);
        }
    }
}
