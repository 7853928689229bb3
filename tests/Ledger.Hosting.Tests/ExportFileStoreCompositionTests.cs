using System.Text;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Hosting.Tests.Support;
using Ledger.Projections;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Ledger.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Hosting.Tests;

/// <summary>
/// Where the composition keeps export files (<c>Ledger:Exports:Store</c>): on disk by default, in a blob container when
/// configured, so that an export written by one instance is downloaded from another.
/// </summary>
public sealed partial class ExportFileStoreCompositionTests
{
    /// <summary>No export store setting: the default.</summary>
    private static readonly Dictionary<string, string?> Disk = new();

    [Fact]
    public void The_local_host_keeps_export_files_on_disk_unless_told_otherwise()
    {
        using var instance = Instance.Compose(new InMemoryLedgerStore(), Disk);

        Assert.IsType<LocalExportFileStore>(instance.Files);
    }

    [Fact]
    public void Blob_with_a_connection_string_gives_a_blob_store_on_the_configured_container()
    {
        using var instance = Instance.Compose(new InMemoryLedgerStore(), Blob("UseDevelopmentStorage=true", "ledger-exports"));

        var blob = Assert.IsType<BlobExportFileStore>(instance.Files);
        Assert.Equal("ledger-exports", blob.Container.Name);
    }

    [Theory]
    [InlineData("Store", "Cloud", "Ledger:Exports:Store")]
    [InlineData("Store", "1", "Ledger:Exports:Store")]
    [InlineData("Blob:ConnectionString", "", "Ledger:Exports:Blob:ServiceUri")]
    [InlineData("Blob:ServiceUri", "not a url", "Ledger:Exports:Blob:ServiceUri")]
    [InlineData("Blob:ContainerName", "Exports_1", "Ledger:Exports:Blob:ContainerName")]
    public void A_bad_export_store_setting_stops_the_composition_naming_it(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>(Blob("UseDevelopmentStorage=true", "exports")) { ["Ledger:Exports:" + key] = value };
        if (key == "Blob:ServiceUri")
        {
            settings.Remove("Ledger:Exports:Blob:ConnectionString");
        }

        var failure = Assert.ThrowsAny<Exception>(() => Instance.Compose(new InMemoryLedgerStore(), settings).Dispose());

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_functions_app_sample_settings_keep_export_files_in_a_blob_container_on_azurite()
    {
        using var sample = System.Text.Json.JsonDocument.Parse(RepositoryFiles.Read("local.settings.sample.json"));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject()
            .Where(value => value.Name.StartsWith("Ledger__Exports__", StringComparison.Ordinal))
            .ToDictionary(value => value.Name.Replace("__", ":", StringComparison.Ordinal), value => value.Value.GetString());

        using var instance = Instance.Compose(new InMemoryLedgerStore(), values);

        var blob = Assert.IsType<BlobExportFileStore>(instance.Files);
        Assert.Equal("UseDevelopmentStorage=true", values["Ledger:Exports:Blob:ConnectionString"]);
        Assert.Equal(ExportFileStoreOptions.DefaultContainerName, blob.Container.Name);
    }

    /// <summary>In Azure the app reaches the account with its identity: Bicep sets the service URI and the container, never a connection string.</summary>
    [Fact]
    public void The_deployed_app_settings_keep_export_files_in_the_container_bicep_creates_reached_by_identity()
    {
        var functionApp = RepositoryFiles.Read("infra/bicep/modules/functionapp.bicep");
        var settings = BicepSetting().Matches(functionApp).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["value"].Value.Trim(), StringComparer.Ordinal);

        Assert.Equal("'Blob'", settings["Ledger__Exports__Store"]);
        Assert.Equal("storageBlobEndpoint", settings["Ledger__Exports__Blob__ServiceUri"]);
        Assert.Equal("exportsContainerName", settings["Ledger__Exports__Blob__ContainerName"]);
        Assert.DoesNotContain("Ledger__Exports__Blob__ConnectionString", settings.Keys);
        Assert.Contains("var exportsContainerName = 'exports'", RepositoryFiles.Read("infra/bicep/main.bicep"), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task An_export_requested_on_one_instance_is_downloaded_from_another_that_shares_the_blob_container()
    {
        var store = new InMemoryLedgerStore();
        var blob = Blob(await Azurite.ConnectionStringAsync(), "exports-" + Guid.NewGuid().ToString("N"));
        using var writer = Instance.Compose(store, blob);
        using var reader = Instance.Compose(store, blob);

        var export = await writer.RunExportAsync();
        var file = await reader.Exports.OpenFileAsync(Instance.App, export.ExportId, CancellationToken.None);

        Assert.True(file.IsSuccess, file.Error?.Message);
        await using var content = file.Value.Content;
        var csv = await new StreamReader(content, Encoding.UTF8).ReadToEndAsync();
        Assert.Equal(export.FileBytes, Encoding.UTF8.GetByteCount(csv));
        Assert.Contains(",credit_purchase,", csv, StringComparison.Ordinal);
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>Why the Functions app needs the blob store: a file on one instance's disk is gone for every other one.</summary>
    [Fact]
    public async Task On_disk_an_export_written_by_one_instance_is_not_found_by_another()
    {
        var store = new InMemoryLedgerStore();
        using var writer = Instance.Compose(store, Disk);
        using var reader = Instance.Compose(store, Disk);

        var export = await writer.RunExportAsync();
        var file = await reader.Exports.OpenFileAsync(Instance.App, export.ExportId, CancellationToken.None);

        Assert.Equal(ExportStatus.Completed, export.Status);
        Assert.Equal(ErrorCodes.ExportNotFound, file.Error?.Code);
        Assert.True((await writer.Exports.OpenFileAsync(Instance.App, export.ExportId, CancellationToken.None)).IsSuccess);
    }

    private static Dictionary<string, string?> Blob(string connectionString, string container) => new()
    {
        ["Ledger:Exports:Store"] = "Blob",
        ["Ledger:Exports:Blob:ConnectionString"] = connectionString,
        ["Ledger:Exports:Blob:ContainerName"] = container,
    };

    [GeneratedRegex(@"^\s*(?<name>Ledger__\w+)\s*:\s*(?<value>[^\r\n]+)$", RegexOptions.Multiline)]
    private static partial Regex BicepSetting();

    /// <summary>One host instance: the shared composition over a store it shares with other instances, and a data directory of its own.</summary>
    private sealed class Instance : IDisposable
    {
        public static readonly AppId App = AppId.From("app1");

        private readonly ServiceProvider _provider;
        private readonly string _dataDirectory;

        private Instance(ServiceProvider provider, string dataDirectory)
        {
            _provider = provider;
            _dataDirectory = dataDirectory;
        }

        public IExportFileStore Files => _provider.GetRequiredService<IExportFileStore>();

        public ExportService Exports => _provider.GetRequiredService<ExportService>();

        public static Instance Compose(ILedgerStore store, IReadOnlyDictionary<string, string?> exportSettings)
        {
            var dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-hosting-tests-" + Guid.NewGuid().ToString("N"));
            var settings = new Dictionary<string, string?>(exportSettings)
            {
                ["Ledger:DataDirectory"] = dataDirectory,
                ["Ledger:Apps:app1:ApiKeys:0"] = "test-app1-key",
                ["Ledger:Apps:app1:Operations:DAILY_REWARD"] = "+1",
                ["Ledger:Apps:app1:Operations:SIGNUP_CREDIT"] = "+3",
                ["Ledger:Apps:app1:Operations:CREDIT_SPEND"] = "-1",
                ["Ledger:Apps:app1:Operations:CREDIT_ADD"] = "+10",
            };
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection().AddLogging();
            services.AddLedger(configuration);
            services.AddLedgerProjections(configuration, runConsumersInProcess: false);
            services.AddSingleton(store);
            return new Instance(services.BuildServiceProvider(), dataDirectory);
        }

        /// <summary>Opens an account, mints to it, requests its export and runs this instance's export consumer until the feed is drained.</summary>
        public async Task<ExportDocument> RunExportAsync()
        {
            var engine = _provider.GetRequiredService<LedgerEngine>();
            var account = AccountId.From("alice");
            Assert.True((await engine.OpenAccountAsync(App, IdempotencyKey.From("open"), new OpenAccountCommand(OwnerId.From("owner-a"), account, 0, null), CancellationToken.None)).IsSuccess);
            Assert.True((await engine.PostTransactionAsync(App, IdempotencyKey.From("mint"), new TransactionPosting(TransactionKind.Mint, account, 7, null, TransactionDetails.From("credit_purchase", null, null)), CancellationToken.None)).IsSuccess);
            var requested = await Exports.RequestAsync(App, IdempotencyKey.From("export"), new ExportRequest(account, null, null), CancellationToken.None);
            Assert.True(requested.IsSuccess, requested.Error?.Message);

            var processor = _provider.GetRequiredService<ChangeFeedProcessors>().Named("exports")!;
            for (var step = 0; step < 100 && await processor.StepAsync(CancellationToken.None) is not (StepOutcome.CaughtUp or StepOutcome.HandledToHead); step++)
            {
            }

            var export = (await Exports.GetAsync(App, requested.Value.ExportId, CancellationToken.None)).Value;
            Assert.Equal(ExportStatus.Completed, export.Status);
            return export;
        }

        public void Dispose()
        {
            _provider.Dispose();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }
}
