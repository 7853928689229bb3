using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Store.Cosmos.Tests.Contract;

/// <summary>
/// The Cosmos DB account the contract tests run against, from the environment variable
/// <see cref="VariableName"/> (a connection string <c>AccountEndpoint=...;AccountKey=...;</c>). A
/// loopback endpoint is taken to be the emulator: gateway mode, its self-signed certificate accepted,
/// no region discovery.
/// </summary>
internal static class CosmosConnection
{
    public const string VariableName = "LEDGER_COSMOS_CONNECTION";

    /// <summary>Optional: the database the tests create their containers in.</summary>
    public const string DatabaseVariableName = "LEDGER_COSMOS_TEST_DATABASE";

    public const string SkipReason = VariableName + " is not set: Cosmos DB contract tests skipped";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } value ? value : null;

    public static bool IsConfigured => ConnectionString is not null;

    /// <summary>Options for a store on two new containers of its own, created on first use.</summary>
    public static CosmosStoreOptions OptionsForFreshContainers()
    {
        var connectionString = ConnectionString ?? throw new InvalidOperationException(SkipReason);
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var emulator = IsLoopback(connectionString);
        return new CosmosStoreOptions
        {
            ConnectionString = connectionString,
            DatabaseName = Environment.GetEnvironmentVariable(DatabaseVariableName) is { Length: > 0 } database ? database : "ledger-contract-tests",
            LedgerContainerName = "ledger-" + suffix,
            LeasesContainerName = "leases-" + suffix,
            CreateIfMissing = true,
            ConnectionMode = emulator ? CosmosConnectionKind.Gateway : CosmosConnectionKind.Direct,
            AcceptEmulatorCertificate = emulator,
            LimitToEndpoint = emulator,
            ApplicationName = "Ledger.Store.Cosmos.Tests",
        };
    }

    /// <summary>Deletes the containers a store of <paramref name="options"/> used; missing ones are fine.</summary>
    public static async Task DeleteContainersAsync(CosmosStoreOptions options)
    {
        using var client = CosmosClientFactory.Create(options, NullLogger.Instance);
        foreach (var name in new[] { options.LedgerContainerName, options.LeasesContainerName })
        {
            using var response = await client.GetContainer(options.DatabaseName, name).DeleteContainerStreamAsync();
        }
    }

    private static bool IsLoopback(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            const string prefix = "AccountEndpoint=";
            if (part.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(part[prefix.Length..], UriKind.Absolute, out var endpoint))
            {
                return endpoint.IsLoopback;
            }
        }

        return false;
    }
}
