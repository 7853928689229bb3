using Ledger.Hosting;
using Ledger.Http;
using Ledger.Storage;
using Microsoft.Extensions.Options;

namespace Ledger.Host;

/// <summary>
/// Where the local host finds its files, how it checks its configuration before serving, and what it
/// says when it starts or cannot.
/// </summary>
public static class LocalHostStartup
{
    /// <summary>
    /// The content root (appsettings*.json, and the base of a relative data directory) is the directory
    /// of the host's own assembly, whatever the working directory, unless <c>--contentRoot</c> or
    /// <c>ASPNETCORE_CONTENTROOT</c> / <c>DOTNET_CONTENTROOT</c> chooses one.
    /// </summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var chosen = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[WebHostDefaults.ContentRootKey];
        return new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = string.IsNullOrWhiteSpace(chosen) ? AppContext.BaseDirectory : null,
        };
    }

    /// <summary>A relative <c>Ledger:DataDirectory</c> (the default is <c>data</c>) is taken relative to the content root, never to the working directory.</summary>
    public static void AnchorDataDirectory(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration[LedgerServiceCollectionExtensions.DataDirectorySetting];
        var directory = string.IsNullOrWhiteSpace(configured) ? LedgerServiceCollectionExtensions.DefaultDataDirectory : configured;
        if (!Path.IsPathRooted(directory))
        {
            builder.Configuration.AddInMemoryCollection([
                new KeyValuePair<string, string?>(LedgerServiceCollectionExtensions.DataDirectorySetting, Path.GetFullPath(Path.Combine(builder.Environment.ContentRootPath, directory))),
            ]);
        }
    }

    /// <summary>
    /// Builds everything a request needs (apps, store, engine) before listening, so a configuration error
    /// stops the host before it serves, then logs one line naming what runs where once Kestrel listens.
    /// </summary>
    public static void ValidateAndAnnounce(WebApplication app)
    {
        var apps = app.Services.GetRequiredService<AppRegistry>();
        var store = app.Services.GetRequiredService<ILedgerStore>();
        _ = app.Services.GetRequiredService<LedgerApi>();
        var storeKind = LedgerServiceCollectionExtensions.ReadStoreKind(app.Configuration);
        var dataDirectory = LedgerServiceCollectionExtensions.ReadDataDirectory(app.Configuration);
        var appIds = string.Join(", ", apps.Apps.Select(registration => registration.App.Value));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ledger.Host");
        app.Lifetime.ApplicationStarted.Register(() => logger.LogInformation(
            "Ledger listening on {Urls}; store {Store} ({StoreType}), data directory {DataDirectory}; apps {Apps}; environment {Environment}; content root {ContentRoot}",
            string.Join(", ", app.Urls),
            storeKind,
            store.GetType().Name,
            dataDirectory,
            appIds,
            app.Environment.EnvironmentName,
            app.Environment.ContentRootPath));
    }

    /// <summary>
    /// A configuration error that escapes start-up ends the process with one line and exit code 1 instead
    /// of the runtime's stack trace (and the host's logged copy of it); any other exception is left to
    /// the runtime. A handler rather than a try block, because the entry point is top-level statements.
    /// </summary>
    public static void ExitOnConfigurationError()
        => AppDomain.CurrentDomain.UnhandledException += (_, unhandled) =>
        {
            if (unhandled.ExceptionObject is Exception exception && IsConfigurationError(exception))
            {
                Environment.Exit(ReportConfigurationError(exception));
            }
        };

    /// <summary>
    /// Errors a setting causes: the ledger's own checks (InvalidOperationException, ArgumentException),
    /// a value the binder cannot convert, options validation, a data directory the host may not write, an
    /// address (<c>--urls</c>) another process already listens on, a data directory another host has open.
    /// A defect is none of these and keeps its stack trace.
    /// </summary>
    public static bool IsConfigurationError(Exception exception)
        => exception is InvalidOperationException or ArgumentException or FormatException or OptionsValidationException or UnauthorizedAccessException
           or Ledger.Store.Sqlite.DataDirectoryInUseException
           or IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException };

    /// <summary>One line on standard error, no stack trace: what is wrong and which setting to fix. The exit code is 1.</summary>
    public static int ReportConfigurationError(Exception exception)
    {
        Console.Error.WriteLine($"Ledger host configuration error: {exception.Message.ReplaceLineEndings(" ")}");
        return 1;
    }
}
