using System.Text;
using Ledger.Storage;
using Xunit;

namespace Ledger.Store.Cosmos.Tests.Contract;

/// <summary>Provisioning against a live account or the emulator; skipped, visibly, without one.</summary>
public sealed class CosmosProvisioningTests
{
    [CosmosFact]
    public async Task A_store_creates_its_containers_in_development_and_later_stores_only_verify_them()
    {
        var options = CosmosConnection.OptionsForFreshContainers();
        try
        {
            await using (var creating = await CosmosLedgerStore.CreateAsync(options))
            {
                var result = await creating.CommitAsync(new PartitionBatch("acct", DocumentWrite.Create("doc", "entry", Encoding.UTF8.GetBytes("{\"n\":1}"))), CancellationToken.None);
                Assert.True(result.IsCommitted);
            }

            options.CreateIfMissing = false;
            await using var verifying = await CosmosLedgerStore.CreateAsync(options);
            var stored = await verifying.ReadAsync("acct", "doc", CancellationToken.None);
            Assert.Equal("{\"n\":1}", Encoding.UTF8.GetString(stored!.Body.Span));
        }
        finally
        {
            await CosmosConnection.DeleteContainersAsync(options);
        }
    }

    [CosmosFact]
    public async Task Without_create_if_missing_a_missing_container_fails_with_a_message_naming_it()
    {
        var options = CosmosConnection.OptionsForFreshContainers();
        options.CreateIfMissing = false;
        options.DatabaseName = "ledger-missing-" + Guid.NewGuid().ToString("N")[..8];

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await CosmosLedgerStore.CreateAsync(options));

        Assert.Contains(options.LedgerContainerName, error.Message, StringComparison.Ordinal);
    }
}
