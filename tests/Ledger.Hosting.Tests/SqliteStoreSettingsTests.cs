using Ledger.Storage;
using Ledger.Store.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Hosting.Tests;

/// <summary>The <c>Ledger:Sqlite</c> section tunes the embedded store, and the store's own bounds still apply to it.</summary>
public sealed class SqliteStoreSettingsTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-sqlite-settings-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task The_sqlite_section_reaches_the_store()
    {
        await using var provider = Compose(new() { ["Ledger:Sqlite:CheckpointInterval"] = "00:00:00.020", ["Ledger:Sqlite:ReadConnections"] = "2" });

        var store = Assert.IsType<SqliteLedgerStore>(provider.GetRequiredService<ILedgerStore>());

        Assert.Equal(Path.Combine(dataDirectory, SqliteLedgerStore.DatabaseFileName), store.DatabasePath);
    }

    [Theory]
    [InlineData("Ledger:Sqlite:CheckpointInterval", "00:01:00", nameof(SqliteLedgerStoreOptions.CheckpointInterval))]
    [InlineData("Ledger:Sqlite:MaxGroupCommitBatches", "0", nameof(SqliteLedgerStoreOptions.MaxGroupCommitBatches))]
    [InlineData("Ledger:Sqlite:WalPagesBeforeWriterCheckpoints", "10", nameof(SqliteLedgerStoreOptions.WalPagesBeforeWriterCheckpoints))]
    public async Task A_sqlite_setting_outside_its_bounds_stops_the_start_naming_the_setting(string key, string value, string option)
    {
        await using var provider = Compose(new() { [key] = value });

        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => provider.GetRequiredService<ILedgerStore>());

        Assert.Equal(option, exception.ParamName);
    }

    [Fact]
    public async Task The_sqlite_section_cannot_move_the_data_directory_away_from_the_ledger_setting()
    {
        await using var provider = Compose(new() { ["Ledger:Sqlite:DataDirectory"] = Path.Combine(dataDirectory, "elsewhere") });

        var store = Assert.IsType<SqliteLedgerStore>(provider.GetRequiredService<ILedgerStore>());

        Assert.Equal(Path.Combine(dataDirectory, SqliteLedgerStore.DatabaseFileName), store.DatabasePath);
    }

    private ServiceProvider Compose(Dictionary<string, string?> settings)
    {
        settings["Ledger:DataDirectory"] = dataDirectory;
        settings["Ledger:Apps:app1:ApiKeys:0"] = "settings-test-key";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddLedger(configuration);
        return services.BuildServiceProvider();
    }
}
