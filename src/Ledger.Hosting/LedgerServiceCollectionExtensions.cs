using Ledger.Engine;
using Ledger.Engine.Partitions;
using Ledger.Http;
using Ledger.Storage;
using Ledger.Store.Cosmos;
using Ledger.Store.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Ledger.Hosting;

/// <summary>Which store the ledger runs on: <c>Ledger:Store</c> = <c>Sqlite</c> (default) or <c>Cosmos</c>.</summary>
public enum StoreKind
{
    Sqlite,
    Cosmos,
}

public static class LedgerServiceCollectionExtensions
{
    public const string StoreSetting = "Ledger:Store";
    public const string SqliteSection = "Ledger:Sqlite";
    public const string DataDirectorySetting = "Ledger:DataDirectory";
    public const string DefaultDataDirectory = "data";

    /// <summary>
    /// Registers everything both hosts share. Misconfiguration (an unknown store, an invalid catalog, an
    /// app without keys) fails at start-up with a message that names the setting.
    /// </summary>
    public static IServiceCollection AddLedger(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => AppRegistry.FromConfiguration(configuration));
        services.AddSingleton(provider => provider.GetRequiredService<AppRegistry>().Catalogs);
        services.AddSingleton<ILedgerStore>(provider => CreateStore(configuration, provider));
        var sagaBounds = SagaBoundsOptions.Read(configuration);
        services.AddSingleton(provider => new LedgerEngine(
            provider.GetRequiredService<ILedgerStore>(),
            provider.GetRequiredService<AppCatalogs>(),
            provider.GetRequiredService<TimeProvider>(),
            new PartitionPipelineOptions(),
            provider.GetRequiredService<ILoggerFactory>(),
            sagaBounds));
        services.AddSingleton<LedgerApi>();
        services.AddLedgerAuthentication(configuration);
        return services;
    }

    public static StoreKind ReadStoreKind(IConfiguration configuration)
    {
        var setting = configuration[StoreSetting];
        if (string.IsNullOrWhiteSpace(setting))
        {
            return StoreKind.Sqlite;
        }

        return Enum.TryParse<StoreKind>(setting, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new InvalidOperationException($"'{StoreSetting}' is '{setting}'; use Sqlite or Cosmos.");
    }

    /// <summary>The data directory as an absolute path: <c>Ledger:DataDirectory</c>, relative to the working directory.</summary>
    public static string ReadDataDirectory(IConfiguration configuration)
        => Path.GetFullPath(configuration[DataDirectorySetting] is { Length: > 0 } configured ? configured : DefaultDataDirectory);

    private static ILedgerStore CreateStore(IConfiguration configuration, IServiceProvider provider)
    {
        switch (ReadStoreKind(configuration))
        {
            case StoreKind.Cosmos:
                var options = new CosmosStoreOptions();
                configuration.GetSection(CosmosStoreOptions.SectionName).Bind(options);

                // Start-up is the one place a blocking wait is acceptable: nothing is served until the
                // store is reachable and its containers are verified.
                return CosmosLedgerStore.CreateAsync(options, provider.GetRequiredService<ILoggerFactory>()).GetAwaiter().GetResult();
            default:
                // Ledger:Sqlite tunes the store (group size, checkpoint interval, ...); the store checks the bounds.
                var dataDirectory = ReadDataDirectory(configuration);
                var sqliteOptions = new SqliteLedgerStoreOptions { DataDirectory = dataDirectory };
                configuration.GetSection(SqliteSection).Bind(sqliteOptions);
                return new SqliteLedgerStore(sqliteOptions with { DataDirectory = dataDirectory }, provider.GetRequiredService<TimeProvider>());
        }
    }
}
