using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>How the Cosmos DB client talks to the service.</summary>
public enum CosmosConnectionKind
{
    /// <summary>TCP straight to the replicas: lowest latency, the production default.</summary>
    Direct,

    /// <summary>HTTPS through the gateway: what the emulator and restrictive networks need.</summary>
    Gateway,
}

/// <summary>
/// Settings of the Cosmos DB store, bound from the configuration section <see cref="SectionName"/>.
/// Credentials come from <see cref="ConnectionString"/>, or from <see cref="Endpoint"/> with
/// <see cref="Key"/>, or from <see cref="Endpoint"/> alone with <c>DefaultAzureCredential</c> (managed
/// identity in Azure, the developer's login locally).
/// </summary>
public sealed class CosmosStoreOptions
{
    public const string SectionName = "Ledger:Cosmos";

    /// <summary>The endpoint the Cosmos DB emulator documents.</summary>
    public const string EmulatorEndpoint = "https://localhost:8081/";

    /// <summary>The emulator's well-known, public account key. It grants nothing outside the emulator.</summary>
    public const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    /// <summary>A connection string <c>AccountEndpoint=...;AccountKey=...;</c>; wins over the other credentials.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The account endpoint, for example <c>https://myaccount.documents.azure.com:443/</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The account key; when absent, <c>DefaultAzureCredential</c> authenticates.</summary>
    public string? Key { get; set; }

    public string DatabaseName { get; set; } = "ledger";

    /// <summary>The container of all ledger documents, partitioned by <c>/pk</c> (the account id).</summary>
    public string LedgerContainerName { get; set; } = "ledger";

    /// <summary>The container of change-feed consumer checkpoints, partitioned by <c>/id</c>.</summary>
    public string LeasesContainerName { get; set; } = "leases";

    public CosmosConnectionKind ConnectionMode { get; set; } = CosmosConnectionKind.Direct;

    /// <summary>
    /// Development only: create the database and containers when missing. In production they come from
    /// Bicep and the store only verifies that they exist with the expected partition keys and indexes.
    /// </summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>Throughput of a database the store creates (RU/s); null creates it without provisioned
    /// throughput, which is what serverless accounts and the emulator's defaults want.</summary>
    public int? CreateDatabaseThroughput { get; set; }

    /// <summary>
    /// Accept the emulator's self-signed TLS certificate. Never enable this against a real account: it
    /// turns off server authentication. Off unless set explicitly.
    /// </summary>
    public bool AcceptEmulatorCertificate { get; set; }

    /// <summary>Talk only to <see cref="Endpoint"/>, without region discovery; the emulator in a
    /// container needs this because it advertises addresses the host cannot reach.</summary>
    public bool LimitToEndpoint { get; set; }

    /// <summary>Shown to the service in the user agent, to find this app's requests in diagnostics.</summary>
    public string ApplicationName { get; set; } = "Ledger";

    /// <summary>Time limit of one request to the service, before the store's own retries.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most attempts of one store operation across throttling and transient faults.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Most time one store operation spends waiting between attempts, in total.</summary>
    public TimeSpan MaxTotalRetryWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>First back-off after a transient fault (timeouts, 503); doubles per attempt, with jitter.</summary>
    public TimeSpan TransientBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A quorum read of the latest committed version: what point reads use unless configured otherwise.</summary>
    public const ReadConsistencyStrategy DefaultPointReadConsistency = ReadConsistencyStrategy.LatestCommitted;

    /// <summary>
    /// How point reads (accounts, claims, transfers, refund trackers) read. They decide refusals that are
    /// recorded for good, so a strategy that can return a stale item is refused: with the account's default
    /// Session consistency, an instance that did not write an item may read an older version of it.
    /// <see cref="ReadConsistencyStrategy.LatestCommitted"/> (a quorum read, about twice the RU of a session
    /// read) is right for a single-region account; <see cref="ReadConsistencyStrategy.LastCommittedSingleWriteRegion"/>
    /// for one that reads from other regions; <see cref="ReadConsistencyStrategy.GlobalStrong"/> for a Strong account.
    /// </summary>
    public ReadConsistencyStrategy PointReadConsistency { get; set; } = DefaultPointReadConsistency;

    /// <summary>Most change-feed items the lag estimate reads ahead; past it the lag reads "at least this".</summary>
    public int MaxLagReadAheadItems { get; set; } = 10_000;

    /// <summary>Fails with a message naming the setting when the options cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(Endpoint))
        {
            throw new InvalidOperationException($"{SectionName}: set ConnectionString, or Endpoint (with Key, or without it for DefaultAzureCredential).");
        }

        if (!string.IsNullOrWhiteSpace(Endpoint) && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"{SectionName}:Endpoint '{Endpoint}' is not an absolute URI.");
        }

        RequireName(DatabaseName, nameof(DatabaseName));
        RequireName(LedgerContainerName, nameof(LedgerContainerName));
        RequireName(LeasesContainerName, nameof(LeasesContainerName));
        if (string.Equals(LedgerContainerName, LeasesContainerName, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{SectionName}: the ledger and leases containers must differ.");
        }

        if (PointReadConsistency is ReadConsistencyStrategy.Eventual or ReadConsistencyStrategy.Session || !Enum.IsDefined(PointReadConsistency))
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(PointReadConsistency)} '{PointReadConsistency}' can read a stale item, and point reads decide refusals that are recorded for good; use LatestCommitted, LastCommittedSingleWriteRegion or GlobalStrong.");
        }

        RequireRange(MaxAttempts, 1, 50, nameof(MaxAttempts));
        RequireRange(MaxLagReadAheadItems, 1, 1_000_000, nameof(MaxLagReadAheadItems));
        RequireDuration(RequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), nameof(RequestTimeout));
        RequireDuration(MaxTotalRetryWait, TimeSpan.Zero, TimeSpan.FromMinutes(5), nameof(MaxTotalRetryWait));
        RequireDuration(TransientBackoff, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30), nameof(TransientBackoff));
        if (CreateDatabaseThroughput is { } throughput && throughput < 400)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(CreateDatabaseThroughput)} must be at least 400 RU/s, not {throughput}.");
        }
    }

    private static void RequireName(string value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"{SectionName}:{setting} must not be empty.");
        }
    }

    private static void RequireRange(int value, int min, int max, string setting)
    {
        if (value < min || value > max)
        {
            throw new InvalidOperationException($"{SectionName}:{setting} must be {min} to {max}, not {value}.");
        }
    }

    private static void RequireDuration(TimeSpan value, TimeSpan min, TimeSpan max, string setting)
    {
        if (value < min || value > max)
        {
            throw new InvalidOperationException($"{SectionName}:{setting} must be {min} to {max}, not {value}.");
        }
    }
}
