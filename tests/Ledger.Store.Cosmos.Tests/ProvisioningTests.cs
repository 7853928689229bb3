using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>Container definitions, their verification, and the client settings built from options.</summary>
public sealed class ProvisioningTests
{
    [Fact]
    public void The_ledger_container_is_partitioned_by_pk_never_expires_and_leaves_bodies_out_of_the_index()
    {
        var properties = LedgerContainers.LedgerContainerProperties("ledger");

        Assert.Equal("/pk", properties.PartitionKeyPath);
        Assert.Null(properties.DefaultTimeToLive);
        Assert.Equal(IndexingMode.Consistent, properties.IndexingPolicy.IndexingMode);
        Assert.Equal(["/*"], properties.IndexingPolicy.IncludedPaths.Select(path => path.Path));
        Assert.Equal(["/body/*", "/bodyBase64/?", "/committedAt/?"], properties.IndexingPolicy.ExcludedPaths.Select(path => path.Path));
    }

    [Fact]
    public void The_ledger_container_has_the_composite_indexes_of_history_pages_and_index_queries()
    {
        var composites = LedgerContainers.LedgerContainerProperties("ledger").IndexingPolicy.CompositeIndexes
            .Select(composite => string.Join(",", composite.Select(path => $"{path.Path} {path.Order}")))
            .ToArray();

        Assert.Equal(
            [
                "/type Ascending,/sortKey Ascending,/id Ascending",
                "/type Ascending,/indexKey Ascending,/pk Ascending,/id Ascending",
            ],
            composites);
    }

    [Fact]
    public void The_leases_container_is_partitioned_by_id()
    {
        Assert.Equal("/id", LedgerContainers.LeasesContainerProperties("leases").PartitionKeyPath);
    }

    [Fact]
    public void Verification_accepts_the_containers_the_store_creates()
    {
        LedgerContainers.VerifyLedger(LedgerContainers.LedgerContainerProperties("ledger"), NullLogger.Instance);
        LedgerContainers.VerifyLeases(LedgerContainers.LeasesContainerProperties("leases"));
    }

    [Fact]
    public void Verification_accepts_a_composite_index_declared_in_the_reverse_direction()
    {
        var properties = LedgerContainers.LedgerContainerProperties("ledger");
        foreach (var path in properties.IndexingPolicy.CompositeIndexes[0])
        {
            path.Order = CompositePathSortOrder.Descending;
        }

        LedgerContainers.VerifyLedger(properties, NullLogger.Instance);
    }

    [Fact]
    public void Verification_refuses_a_ledger_container_with_another_partition_key()
    {
        var properties = new ContainerProperties("ledger", "/accountId");

        var error = Assert.Throws<InvalidOperationException>(() => LedgerContainers.VerifyLedger(properties, NullLogger.Instance));
        Assert.Contains("/pk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verification_refuses_a_ledger_container_without_the_composite_indexes()
    {
        var properties = LedgerContainers.LedgerContainerProperties("ledger");
        properties.IndexingPolicy.CompositeIndexes.RemoveAt(1);

        var error = Assert.Throws<InvalidOperationException>(() => LedgerContainers.VerifyLedger(properties, NullLogger.Instance));
        Assert.Contains("/indexKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verification_refuses_containers_that_expire_items()
    {
        var ledger = LedgerContainers.LedgerContainerProperties("ledger");
        ledger.DefaultTimeToLive = 3600;
        var leases = LedgerContainers.LeasesContainerProperties("leases");
        leases.DefaultTimeToLive = 60;

        Assert.Throws<InvalidOperationException>(() => LedgerContainers.VerifyLedger(ledger, NullLogger.Instance));
        Assert.Throws<InvalidOperationException>(() => LedgerContainers.VerifyLeases(leases));
    }

    [Fact]
    public void The_client_leaves_throttling_retries_to_the_store_and_asks_for_no_write_content()
    {
        var options = CosmosClientFactory.CreateClientOptions(new CosmosStoreOptions { Endpoint = "https://example.documents.azure.com:443/" }, NullLogger.Instance);

        Assert.Equal(0, options.MaxRetryAttemptsOnRateLimitedRequests);
        Assert.Equal(TimeSpan.Zero, options.MaxRetryWaitTimeOnRateLimitedRequests);
        Assert.False(options.EnableContentResponseOnWrite);
        Assert.Equal(ConnectionMode.Direct, options.ConnectionMode);
        Assert.Null(options.ServerCertificateCustomValidationCallback);
    }

    [Fact]
    public void Gateway_mode_and_the_emulator_certificate_are_used_only_when_configured()
    {
        var options = CosmosClientFactory.CreateClientOptions(
            new CosmosStoreOptions
            {
                Endpoint = CosmosStoreOptions.EmulatorEndpoint,
                Key = CosmosStoreOptions.EmulatorKey,
                ConnectionMode = CosmosConnectionKind.Gateway,
                AcceptEmulatorCertificate = true,
                LimitToEndpoint = true,
            },
            NullLogger.Instance);

        Assert.Equal(ConnectionMode.Gateway, options.ConnectionMode);
        Assert.True(options.LimitToEndpoint);
        Assert.NotNull(options.ServerCertificateCustomValidationCallback);
    }

    [Theory]
    [InlineData("https://prod-ledger.documents.azure.com:443/", null)]
    [InlineData(null, "AccountEndpoint=https://prod-ledger.documents.azure.com:443/;AccountKey=a2V5;")]
    public void Accepting_any_certificate_is_refused_for_a_real_azure_account(string? endpoint, string? connectionString)
    {
        var options = new CosmosStoreOptions { Endpoint = endpoint, ConnectionString = connectionString, AcceptEmulatorCertificate = true };

        var error = Assert.Throws<InvalidOperationException>(() => CosmosClientFactory.CreateClientOptions(options, NullLogger.Instance));
        Assert.Contains("prod-ledger.documents.azure.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_without_any_credential_name_what_to_set()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CosmosStoreOptions().Validate());

        Assert.Contains("Ledger:Cosmos", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public void Options_refuse_an_unbounded_or_empty_attempt_budget(int attempts)
    {
        var options = new CosmosStoreOptions { Endpoint = "https://localhost:8081/", MaxAttempts = attempts };

        Assert.Throws<InvalidOperationException>(options.Validate);
    }

    [Theory]
    [InlineData(ReadConsistencyStrategy.Session)]
    [InlineData(ReadConsistencyStrategy.Eventual)]
    public void A_point_read_consistency_that_can_read_stale_items_is_refused(ReadConsistencyStrategy strategy)
    {
        var options = new CosmosStoreOptions { Endpoint = "https://localhost:8081/", PointReadConsistency = strategy };

        var error = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains("PointReadConsistency", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReadConsistencyStrategy.LatestCommitted)]
    [InlineData(ReadConsistencyStrategy.LastCommittedSingleWriteRegion)]
    [InlineData(ReadConsistencyStrategy.GlobalStrong)]
    public void A_point_read_consistency_that_cannot_read_stale_items_is_accepted(ReadConsistencyStrategy strategy)
        => new CosmosStoreOptions { Endpoint = "https://localhost:8081/", PointReadConsistency = strategy }.Validate();

    [Fact]
    public void The_same_container_for_ledger_and_leases_is_refused()
    {
        var options = new CosmosStoreOptions { Endpoint = "https://localhost:8081/", LeasesContainerName = "ledger" };

        Assert.Throws<InvalidOperationException>(options.Validate);
    }
}
