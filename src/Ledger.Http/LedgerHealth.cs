namespace Ledger.Http;

/// <summary>Names shared by the hosts' health checks and the API's <c>/health</c> route.</summary>
public static class LedgerHealth
{
    /// <summary>The tag of the checks that decide readiness (<c>/health/ready</c> and <c>/health</c>): the store, the write queue, the consumers.</summary>
    public const string ReadyTag = "ready";
}
