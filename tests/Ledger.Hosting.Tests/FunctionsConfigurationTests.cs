using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.Hosting.Tests.Support;
using Ledger.Http;
using Ledger.Store.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.Hosting.Tests;

/// <summary>
/// The Functions app's two configuration files, checked against the code that reads them: <c>host.json</c>
/// (the Functions host) and <c>local.settings.sample.json</c> (the app settings a local run starts from,
/// the same names Bicep sets in Azure). A setting the code reads that the sample lacks, or a setting the
/// sample names that no code reads (a typo), fails here rather than at start-up in Azure.
/// </summary>
public sealed partial class FunctionsConfigurationTests
{
    private const string HostJsonFile = "host.json";
    private const string LocalSettingsFile = "local.settings.sample.json";
    private const string ProjectionsSourceFile = "src/Ledger.Hosting/ProjectionServiceCollectionExtensions.cs";

    private static readonly string CosmosPrefix = EnvironmentName(CosmosStoreOptions.SectionName) + "__";
    private static readonly string NotificationsPrefix = EnvironmentName(ProjectionServiceCollectionExtensions.NotificationsSection) + "__";

    /// <summary>Every setting the Functions app reads in Azure, in app-setting form (<c>:</c> written <c>__</c>), and who reads it.</summary>
    public static TheoryData<string, string> RequiredSettings()
    {
        var settings = new TheoryData<string, string>
        {
            { "AzureWebJobsStorage", "the Functions host and Durable Functions' task hub" },
            { "FUNCTIONS_WORKER_RUNTIME", "the Functions host, to start the isolated worker" },
            { EnvironmentName(LedgerServiceCollectionExtensions.StoreSetting), "AddLedger: which store" },
            { CosmosPrefix + nameof(CosmosStoreOptions.Endpoint), "the Cosmos store" },
            { CosmosPrefix + nameof(CosmosStoreOptions.DatabaseName), "the Cosmos store" },
            { CosmosPrefix + nameof(CosmosStoreOptions.LedgerContainerName), "the Cosmos store" },
            { CosmosPrefix + nameof(CosmosStoreOptions.LeasesContainerName), "the Cosmos store" },
            { CosmosPrefix + nameof(CosmosStoreOptions.CreateIfMissing), "the Cosmos store" },
            { EnvironmentName(AppRegistry.SectionName) + "__app1__ApiKeys__0", "AppRegistry: the app and its API key" },
        };

        // An app's catalog must hold the shared operations, or AppRegistry refuses to start.
        foreach (var shared in OperationCatalog.SharedOperations)
        {
            settings.Add(EnvironmentName(AppRegistry.SectionName) + "__app1__Operations__" + shared.Name, "AppRegistry: the shared operations every catalog holds");
        }

        return settings;
    }

    [Fact]
    public void Host_json_is_valid_json_for_the_functions_host_v2_with_no_route_prefix_and_a_task_hub()
    {
        using var host = ParseStrict(HostJsonFile);
        var root = host.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());

        // An empty prefix serves /ledger as the local host does, not /api/ledger.
        var http = root.GetProperty("extensions").GetProperty("http");
        Assert.Equal(JsonValueKind.String, http.GetProperty("routePrefix").ValueKind);
        Assert.Equal(string.Empty, http.GetProperty("routePrefix").GetString());

        // Azure Storage task hub names: 3 to 45 letters and digits, starting with a letter.
        var durable = root.GetProperty("extensions").GetProperty("durableTask");
        var hubName = durable.GetProperty("hubName").GetString();
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", hubName);

        if (root.TryGetProperty("functionTimeout", out var timeout))
        {
            Assert.True(TimeSpan.TryParse(timeout.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero, $"functionTimeout '{timeout}' is not a positive time span.");
        }
    }

    [Fact]
    public void Host_json_log_levels_are_levels_the_host_knows()
    {
        using var host = ParseStrict(HostJsonFile);
        if (!host.RootElement.TryGetProperty("logging", out var logging) || !logging.TryGetProperty("logLevel", out var levels))
        {
            return;
        }

        foreach (var level in levels.EnumerateObject())
        {
            Assert.True(Enum.TryParse<LogLevel>(level.Value.GetString(), ignoreCase: false, out _), $"logging.logLevel.{level.Name} = '{level.Value}' is not a LogLevel.");
        }
    }

    [Fact]
    public void The_durable_task_hub_storage_connection_is_a_setting_of_the_sample()
    {
        using var host = ParseStrict(HostJsonFile);
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");
        if (durable.TryGetProperty("storageProvider", out var provider) && provider.TryGetProperty("connectionName", out var connection))
        {
            Assert.Contains(connection.GetString()!, SampleValues().Keys);
        }
    }

    [Fact]
    public void The_settings_sample_is_valid_json_whose_values_are_all_strings_and_unique()
    {
        using var settings = ParseStrict(LocalSettingsFile);
        var root = settings.RootElement;
        Assert.False(root.GetProperty("IsEncrypted").GetBoolean());

        // func refuses non-string values; JSON allows a repeated key, whose first value would be silently lost.
        var values = root.GetProperty("Values").EnumerateObject().ToArray();
        Assert.All(values, value => Assert.True(value.Value.ValueKind == JsonValueKind.String, $"{value.Name} must be a string, not {value.Value.ValueKind}."));
        var repeated = values.GroupBy(value => value.Name, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        Assert.True(repeated.Length == 0, "Settings named twice: " + string.Join(", ", repeated));
        Assert.Equal("dotnet-isolated", SampleValues()["FUNCTIONS_WORKER_RUNTIME"]);
    }

    [Fact]
    public void The_sample_serves_on_the_local_hosts_port()
    {
        using var settings = ParseStrict(LocalSettingsFile);
        var port = settings.RootElement.GetProperty("Host").GetProperty("LocalHttpPort").GetInt32();
        var localUrl = LocalDefaultUrl().Match(RepositoryFiles.Read("src/Ledger.Host/LocalHost.cs"));
        Assert.True(localUrl.Success, "LocalHost.DefaultUrl not found.");
        Assert.Equal(new Uri(localUrl.Groups["url"].Value).Port, port);
    }

    [Theory]
    [MemberData(nameof(RequiredSettings))]
    public void The_sample_names_every_setting_the_code_reads(string setting, string readBy)
    {
        Assert.True(SampleValues().ContainsKey(setting), $"{LocalSettingsFile} lacks {setting}, read by {readBy}.");
    }

    [Fact]
    public void Every_cosmos_setting_of_the_sample_is_a_settable_option_of_the_store()
    {
        var properties = typeof(CosmosStoreOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.SetMethod is { IsPublic: true })
            .Select(property => property.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var cosmos = SampleValues().Keys.Where(key => key.StartsWith(CosmosPrefix, StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(cosmos);

        var unknown = cosmos.Where(key => !properties.Contains(key[CosmosPrefix.Length..])).ToArray();
        Assert.True(unknown.Length == 0, $"Settings no CosmosStoreOptions property binds (typos, or options that do not exist): {string.Join(", ", unknown)}. Options: {string.Join(", ", properties.Order())}.");
    }

    [Fact]
    public void The_sample_binds_to_valid_cosmos_options_with_no_unknown_key()
    {
        var configuration = SampleConfiguration();
        Assert.Equal(StoreKind.Cosmos, LedgerServiceCollectionExtensions.ReadStoreKind(configuration));

        // Bound exactly as AddLedger binds it, but refusing keys no property takes.
        var options = new CosmosStoreOptions();
        configuration.GetSection(CosmosStoreOptions.SectionName).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        options.Validate();
        Assert.True(options.CreateIfMissing, "The emulator starts empty: the sample creates the containers.");
        Assert.Equal(CosmosConnectionKind.Gateway, options.ConnectionMode);
    }

    [Fact]
    public void The_sample_configures_apps_whose_keys_authenticate()
    {
        var registry = AppRegistry.FromConfiguration(SampleConfiguration());
        var key = SampleValues()[EnvironmentName(AppRegistry.SectionName) + "__app1__ApiKeys__0"];
        Assert.Equal("app1", registry.FindKey(key)?.App?.Value);
    }

    [Fact]
    public void The_shared_composition_starts_from_the_sample()
    {
        // Everything AddLedger and AddLedgerProjections read is read and checked when they run; the store
        // itself is only created on first use, so no Cosmos DB is needed here.
        var services = new ServiceCollection().AddLogging();
        var configuration = SampleConfiguration();
        services.AddLedger(configuration);
        services.AddLedgerProjections(configuration);
        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<AppRegistry>());
    }

    /// <summary>Both hosts serve the same apps with the same catalogs, so a client sees one API wherever it runs.</summary>
    [Fact]
    public void The_sample_serves_the_apps_and_catalogs_of_the_local_hosts_settings()
    {
        // The catalogs live in appsettings.json, the development keys in appsettings.Development.json.
        var local = new ConfigurationBuilder()
            .AddJsonFile(RepositoryFiles.PathOf("src/Ledger.Host/appsettings.json"), optional: false, reloadOnChange: false)
            .AddJsonFile(RepositoryFiles.PathOf("src/Ledger.Host/appsettings.Development.json"), optional: false, reloadOnChange: false)
            .Build();
        var functions = SampleConfiguration();

        Assert.Equal(Catalogs(local), Catalogs(functions));

        static SortedDictionary<string, string> Catalogs(IConfiguration configuration)
            => new(
                AppRegistry.FromConfiguration(configuration).Apps
                    .SelectMany(app => app.Catalog.Operations.Select(operation => (Key: app.App.Value + "/" + operation.Name, operation.Notation)))
                    .ToDictionary(pair => pair.Key, pair => pair.Notation, StringComparer.Ordinal),
                StringComparer.Ordinal);
    }

    /// <summary>
    /// Bicep sets the app settings in Azure; AppRegistry refuses a catalog without the shared operations,
    /// so the deployed app cannot serve anyone until they are there.
    /// </summary>
    [Fact]
    public void The_deployed_app_settings_give_app1_the_shared_operations()
    {
        var bicep = RepositoryFiles.Read("infra/bicep/modules/functionapp.bicep");
        var names = BicepSettingName().Matches(bicep).Select(match => match.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var missing = OperationCatalog.SharedOperations
            .Select(shared => EnvironmentName(AppRegistry.SectionName) + "__app1__Operations__" + shared.Name)
            .Where(name => !names.Contains(name))
            .ToArray();
        Assert.True(missing.Length == 0, "functionapp.bicep lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_notification_setting_of_the_sample_is_one_the_code_reads()
    {
        var read = NotificationKeysRead().Select(key => key.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("EventGrid:Endpoint", read);
        var named = SampleValues().Keys.Where(key => key.StartsWith(NotificationsPrefix, StringComparison.Ordinal)).Select(key => key[NotificationsPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)).ToArray();
        var unread = named.Where(key => !read.Contains(key)).ToArray();
        Assert.True(unread.Length == 0, $"Notification settings no code reads: {string.Join(", ", unread)}. Read: {string.Join(", ", read.Order())}.");
    }

    /// <summary>The source parse above, confirmed: a typed notification setting of the sample with a bad value stops start-up, naming it.</summary>
    [Fact]
    public void A_bad_value_in_a_typed_notification_setting_of_the_sample_stops_the_composition_naming_it()
    {
        var typed = NotificationKeysRead().Where(key => key.Typed).Select(key => key.Name).ToHashSet(StringComparer.Ordinal);
        var named = SampleValues().Keys.Where(key => key.StartsWith(NotificationsPrefix, StringComparison.Ordinal)).ToArray();
        var checkedAny = false;
        foreach (var setting in named)
        {
            var key = setting[NotificationsPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (!typed.Contains(key))
            {
                continue;
            }

            var configuration = SampleConfiguration(overrides: (setting, "%not a valid value%"));
            var failure = Assert.ThrowsAny<Exception>(() => new ServiceCollection().AddLogging().AddLedgerProjections(configuration));
            Assert.Contains(ProjectionServiceCollectionExtensions.NotificationsSection + ":" + key, failure.Message, StringComparison.Ordinal);
            checkedAny = true;
        }

        Assert.True(checkedAny, "The sample has no typed notification setting to check.");
    }

    private static string EnvironmentName(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);

    private static JsonDocument ParseStrict(string file)
        => JsonDocument.Parse(RepositoryFiles.Read(file), new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });

    private static Dictionary<string, string> SampleValues()
    {
        using var settings = ParseStrict(LocalSettingsFile);
        return settings.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(value => value.Name, value => value.Value.GetString()!, StringComparer.Ordinal);
    }

    /// <summary>The sample's values as the worker sees them: environment variables, <c>__</c> read as <c>:</c>.</summary>
    private static IConfiguration SampleConfiguration(params (string Name, string Value)[] overrides)
    {
        var values = SampleValues();
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        return new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ":", StringComparison.Ordinal), pair.Value)))
            .Build();
    }

    /// <summary>The keys under Ledger:Notifications the shared composition reads, from its source; typed ones fail on a bad value.</summary>
    private static IReadOnlyList<(string Name, bool Typed)> NotificationKeysRead()
    {
        var source = RepositoryFiles.Read(ProjectionsSourceFile);
        var start = source.IndexOf("ReadNotificationOptions(IConfigurationSection section)", StringComparison.Ordinal);
        Assert.True(start >= 0, "ReadNotificationOptions not found.");
        var end = source.IndexOf("\n    }", start, StringComparison.Ordinal);
        var body = source[start..end];
        var keys = new List<(string, bool)>();
        keys.AddRange(TypedRead().Matches(body).Select(match => (match.Groups["key"].Value, true)));
        keys.AddRange(PlainRead().Matches(body).Select(match => (match.Groups["key"].Value, false)));
        Assert.NotEmpty(keys);
        return keys;
    }

    [GeneratedRegex(@"(?:GetValue<[^>]+>\(|ReadUrl\(section,\s*)""(?<key>[A-Za-z:]+)""")]
    private static partial Regex TypedRead();

    [GeneratedRegex(@"section\[""(?<key>[A-Za-z:]+)""\]")]
    private static partial Regex PlainRead();

    [GeneratedRegex(@"DefaultUrl\s*=\s*""(?<url>[^""]+)""")]
    private static partial Regex LocalDefaultUrl();

    [GeneratedRegex(@"^\s*(?<name>\w+)\s*:", RegexOptions.Multiline)]
    private static partial Regex BicepSettingName();
}
