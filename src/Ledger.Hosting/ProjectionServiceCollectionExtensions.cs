using Ledger.Projections;
using Ledger.Projections.Audit;
using Ledger.Projections.Notifications;
using Ledger.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Ledger.Hosting;

/// <summary>
/// Registers the change-feed consumers and the report services. Snapshots, exports and the audit always run;
/// notifications run only when an Event Grid topic or a webhook is configured. Every setting is read and
/// checked here, at start-up, so a bad value stops the host with a message naming it.
/// </summary>
public static class ProjectionServiceCollectionExtensions
{
    public const string ProjectionsSection = "Ledger:Projections";
    public const string SnapshotsSection = "Ledger:Snapshots";
    public const string ExportsSection = "Ledger:Exports";
    public const string NotificationsSection = "Ledger:Notifications";
    public const string ExportsDirectoryName = "exports";

    /// <param name="runConsumersInProcess">
    /// True on the local host: a hosted service runs every processor continuously. The Functions app passes
    /// false, because its timer functions drain the same processors a time budget at a time.
    /// </param>
    public static IServiceCollection AddLedgerProjections(this IServiceCollection services, IConfiguration configuration, bool runConsumersInProcess = true)
    {
        var processorOptions = ReadProcessorOptions(configuration.GetSection(ProjectionsSection));
        var snapshotOptions = new SnapshotOptions { EveryEntries = configuration.GetSection(SnapshotsSection).GetValue<int?>("EveryEntries") ?? SnapshotOptions.DefaultEveryEntries };
        var exportOptions = ReadExportOptions(configuration.GetSection(ExportsSection));
        var notificationOptions = ReadNotificationOptions(configuration.GetSection(NotificationsSection));
        var exportFileStoreOptions = ReadExportFileStoreOptions(configuration.GetSection(ExportsSection));
        processorOptions.Validate();
        snapshotOptions.Validate();
        exportOptions.Validate();
        notificationOptions.Validate();
        exportFileStoreOptions.Validate();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IExportFileStore>(_ => CreateExportFileStore(exportFileStoreOptions, configuration));
        services.AddSingleton<ExportService>();
        services.AddSingleton<AccountSummaries>();

        services.AddSingleton<IChangeConsumer>(provider => new SnapshotConsumer(provider.GetRequiredService<ILedgerStore>(), snapshotOptions, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IChangeConsumer>(provider => new ExportConsumer(
            provider.GetRequiredService<ILedgerStore>(),
            provider.GetRequiredService<IExportFileStore>(),
            exportOptions,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ExportConsumer>>()));
        if (notificationOptions.IsEnabled)
        {
            services.AddSingleton<IEventPublisher>(_ => CreatePublisher(notificationOptions));
            services.AddSingleton<IChangeConsumer>(provider => new NotificationConsumer(provider.GetRequiredService<ILedgerStore>(), provider.GetRequiredService<IEventPublisher>(), notificationOptions));
        }

        // The audit publishes its violations wherever notifications go; without a topic or a webhook it logs them and the routes show them.
        services.AddSingleton(provider => new AuditStore(provider.GetRequiredService<ILedgerStore>()));
        services.AddSingleton<IChangeConsumer>(provider => new AuditConsumer(
            provider.GetRequiredService<ILedgerStore>(),
            provider.GetRequiredService<TimeProvider>(),
            processorOptions.BatchSize,
            provider.GetService<IEventPublisher>(),
            notificationOptions.Source,
            provider.GetRequiredService<ILogger<AuditConsumer>>()));

        services.AddSingleton(provider =>
        {
            var store = provider.GetRequiredService<ILedgerStore>();
            var time = provider.GetRequiredService<TimeProvider>();
            var loggers = provider.GetRequiredService<ILoggerFactory>();
            return new ChangeFeedProcessors(
                provider.GetServices<IChangeConsumer>().Select(consumer =>
                    new ChangeFeedProcessor(store, consumer, processorOptions, time, loggers.CreateLogger("Ledger.Projections." + consumer.Name))),
                new DeadLetterStore(store),
                provider.GetRequiredService<AuditStore>());
        });
        if (runConsumersInProcess)
        {
            services.AddHostedService<ProjectionHostedService>();
        }

        return services;
    }

    private static ChangeFeedProcessorOptions ReadProcessorOptions(IConfigurationSection section)
    {
        var defaults = new ChangeFeedProcessorOptions();
        return new ChangeFeedProcessorOptions
        {
            BatchSize = section.GetValue<int?>("BatchSize") ?? defaults.BatchSize,
            PollInterval = section.GetValue<TimeSpan?>("PollInterval") ?? defaults.PollInterval,
            RetryInitialDelay = section.GetValue<TimeSpan?>("RetryInitialDelay") ?? defaults.RetryInitialDelay,
            RetryMaxDelay = section.GetValue<TimeSpan?>("RetryMaxDelay") ?? defaults.RetryMaxDelay,
            NarrowAfterFailures = section.GetValue<int?>("NarrowAfterFailures") ?? defaults.NarrowAfterFailures,
            MaxAttemptsPerChange = section.GetValue<int?>("MaxAttemptsPerChange") ?? defaults.MaxAttemptsPerChange,
            DrainBudget = section.GetValue<TimeSpan?>("DrainBudget") ?? defaults.DrainBudget,
            LagSampleSize = section.GetValue<int?>("LagSampleSize") ?? defaults.LagSampleSize,
            StatusCacheDuration = section.GetValue<TimeSpan?>("StatusCacheDuration") ?? defaults.StatusCacheDuration,
        };
    }

    private static ExportOptions ReadExportOptions(IConfigurationSection section)
    {
        var defaults = new ExportOptions();
        return new ExportOptions
        {
            MaxRows = section.GetValue<long?>("MaxRows") ?? defaults.MaxRows,
            MaxAttempts = section.GetValue<int?>("MaxAttempts") ?? defaults.MaxAttempts,
        };
    }

    private static ExportFileStoreOptions ReadExportFileStoreOptions(IConfigurationSection section)
    {
        var store = Unset(section["Store"])?.Trim();

        // By name only: Enum.TryParse would also take "1" for Blob.
        var kind = store is null
            ? ExportFileStoreKind.Disk
            : Enum.GetValues<ExportFileStoreKind>().FirstOrDefault(value => value.ToString().Equals(store, StringComparison.OrdinalIgnoreCase), (ExportFileStoreKind)(-1));
        if (!Enum.IsDefined(kind))
        {
            throw new InvalidOperationException($"'{section.Path}:Store' must be Disk or Blob: '{store}'.");
        }

        return new ExportFileStoreOptions
        {
            Store = kind,
            BlobServiceUri = ReadUrl(section, "Blob:ServiceUri"),
            BlobConnectionString = Unset(section["Blob:ConnectionString"]),
            BlobContainerName = Unset(section["Blob:ContainerName"]) ?? ExportFileStoreOptions.DefaultContainerName,
        };
    }

    /// <summary>Disk by default (the local host); Blob Storage where several instances serve the same exports (the Functions app).</summary>
    private static IExportFileStore CreateExportFileStore(ExportFileStoreOptions options, IConfiguration configuration)
        => options.Store == ExportFileStoreKind.Blob
            ? BlobExportFileStore.Create(options)
            : new LocalExportFileStore(Path.Combine(LedgerServiceCollectionExtensions.ReadDataDirectory(configuration), ExportsDirectoryName));

    private static NotificationOptions ReadNotificationOptions(IConfigurationSection section)
    {
        var defaults = new NotificationOptions();
        return new NotificationOptions
        {
            EventGridEndpoint = ReadUrl(section, "EventGrid:Endpoint"),
            EventGridKey = Unset(section["EventGrid:Key"]),
            UseManagedIdentity = section.GetValue<bool?>("EventGrid:UseManagedIdentity") ?? false,
            WebhookUrl = ReadUrl(section, "Webhook:Url"),
            Source = Unset(section["Source"]) ?? defaults.Source,
            MaxEventsPerPublish = section.GetValue<int?>("MaxEventsPerPublish") ?? defaults.MaxEventsPerPublish,
            PublishTimeout = section.GetValue<TimeSpan?>("PublishTimeout") ?? defaults.PublishTimeout,
        };
    }

    private static IEventPublisher CreatePublisher(NotificationOptions options)
    {
        if (options.UsesEventGrid)
        {
            return EventGridPublisher.Create(options);
        }

        // One client for the host's lifetime; connections are recycled so DNS changes are picked up.
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = options.PublishTimeout };
        return new WebhookPublisher(http, options.WebhookUrl!);
    }

    private static Uri? ReadUrl(IConfigurationSection section, string key)
    {
        if (Unset(section[key]) is not { } text)
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var url)
            ? url
            : throw new InvalidOperationException($"'{section.Path}:{key}' is not an absolute URL: '{text}'.");
    }

    /// <summary>Configuration files often carry empty placeholders; an empty or blank value means "not set".</summary>
    private static string? Unset(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
