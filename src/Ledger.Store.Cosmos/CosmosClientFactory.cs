using System.Text.Json;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Ledger.Store.Cosmos;

/// <summary>Builds the <see cref="CosmosClient"/> from <see cref="CosmosStoreOptions"/>.</summary>
internal static partial class CosmosClientFactory
{
    public static CosmosClient Create(CosmosStoreOptions options, ILogger logger)
    {
        options.Validate();
        var clientOptions = CreateClientOptions(options, logger);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new CosmosClient(options.ConnectionString, clientOptions);
        }

        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            return new CosmosClient(options.Endpoint, options.Key, clientOptions);
        }

        LogUsingAzureCredential(logger, options.Endpoint!);
        return new CosmosClient(options.Endpoint, new DefaultAzureCredential(), clientOptions);
    }

    internal static CosmosClientOptions CreateClientOptions(CosmosStoreOptions options, ILogger logger)
    {
        var clientOptions = new CosmosClientOptions
        {
            ApplicationName = options.ApplicationName,
            ConnectionMode = options.ConnectionMode == CosmosConnectionKind.Gateway ? ConnectionMode.Gateway : ConnectionMode.Direct,
            RequestTimeout = options.RequestTimeout,
            LimitToEndpoint = options.LimitToEndpoint,

            // The store's own retry loop honours retry-after within one budget per operation; SDK retries
            // underneath it would multiply the waits past any bound.
            MaxRetryAttemptsOnRateLimitedRequests = 0,
            MaxRetryWaitTimeOnRateLimitedRequests = TimeSpan.Zero,

            // Writes need only their ETag, which comes in the headers; echoing bodies costs bandwidth.
            EnableContentResponseOnWrite = false,

            // Every document goes through stream APIs with the store's own Utf8JsonWriter; this keeps any
            // typed call the SDK makes on System.Text.Json as well.
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
        };

        if (options.AcceptEmulatorCertificate)
        {
            RequireEmulatorLikeEndpoint(options);
            LogAcceptingEmulatorCertificate(logger, EndpointOf(options) ?? "(unknown)");

            // One callback covers HTTPS (gateway mode) and TCP (direct mode), unlike an HttpClientFactory.
            clientOptions.ServerCertificateCustomValidationCallback = static (_, _, _) => true;
        }

        return clientOptions;
    }

    /// <summary>Accepting any certificate is for the emulator; refusing it for Azure's own hosts keeps a
    /// copied development setting from switching off TLS authentication in production.</summary>
    private static void RequireEmulatorLikeEndpoint(CosmosStoreOptions options)
    {
        var endpoint = EndpointOf(options);
        if (endpoint is not null
            && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            && (uri.Host.EndsWith(".documents.azure.com", StringComparison.OrdinalIgnoreCase)
                || uri.Host.EndsWith(".documents.azure.cn", StringComparison.OrdinalIgnoreCase)
                || uri.Host.EndsWith(".documents.azure.us", StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException(
                $"{CosmosStoreOptions.SectionName}:{nameof(CosmosStoreOptions.AcceptEmulatorCertificate)} is for the emulator only and is refused for {uri.Host}.");
        }
    }

    private static string? EndpointOf(CosmosStoreOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return options.Endpoint;
        }

        foreach (var part in (options.ConnectionString ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            const string prefix = "AccountEndpoint=";
            if (part.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return part[prefix.Length..];
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Cosmos DB at {Endpoint}: no key configured, authenticating with DefaultAzureCredential")]
    private static partial void LogUsingAzureCredential(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Cosmos DB at {Endpoint}: accepting any server certificate (emulator mode). Never enable this against a real account.")]
    private static partial void LogAcceptingEmulatorCertificate(ILogger logger, string endpoint);
}
