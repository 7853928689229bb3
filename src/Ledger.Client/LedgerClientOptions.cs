namespace Ledger.Client;

/// <summary>Where the ledger is, how the client proves who it is, and how long and how often it tries.</summary>
public sealed class LedgerClientOptions
{
    /// <summary>The ledger's base address, such as <c>http://localhost:5080/</c> (a Functions app: <c>https://…/api/</c>).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The app's API key, sent as <c>X-Api-Key</c>. Leave it out when <see cref="BearerToken"/> is set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A bearer token (Microsoft Entra ID), sent as <c>Authorization: Bearer</c>.</summary>
    public string? BearerToken { get; set; }

    /// <summary>How long one attempt may take before it is abandoned (and retried with the same key).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one logical call may take, all its retries included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times a call is resent after a transient failure (no answer, 408, 429, 5xx); every resend of a
    /// write carries the same Idempotency-Key, so it can only replay the first attempt, never post twice.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off between attempts (exponential with jitter; a Retry-After answer wins).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
