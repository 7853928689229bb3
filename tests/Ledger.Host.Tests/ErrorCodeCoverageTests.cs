using Ledger.Http;

namespace Ledger.Host.Tests;

/// <summary>
/// Keeps "every error code has an API test" true as codes are added: each code of <see cref="Problems.KnownCodes"/>
/// is either exercised over HTTP by this project (named here with the test that does it) or listed as not
/// reachable through the routes this project covers, with the reason. A new code fails this test until
/// someone decides which.
/// </summary>
public sealed class ErrorCodeCoverageTests
{
    /// <summary>Code → where this project produces it over HTTP.</summary>
    private static readonly Dictionary<string, string> Covered = new(StringComparer.Ordinal)
    {
        ["malformed_json"] = "BadInputTests (13 ledger shapes, transactions, accounts, freeze), RouteTableTests",
        ["malformed_request"] = "MalformedRequestTests (a bad chunk size and a body shorter than its Content-Length, on a raw socket through Kestrel)",
        ["missing_field"] = "BadInputTests (owner_id, operation, kind, account_id, reason, amount), AccountTests list",
        ["unknown_field"] = "BadInputTests (ledger, transactions, accounts, freeze, close)",
        ["invalid_field"] = "BadInputTests (types, ids, duplicates, nonce, headers), EntriesTests paging, TransactionTests asOf",
        ["invalid_amount"] = "BadInputTests (zero, -0, negative, fractions, exponents)",
        ["amount_too_large"] = "BadInputTests (limit + 1, long.MaxValue, beyond 64 bits, 1e30)",
        ["amount_mismatch"] = "BadInputTests (CREDIT_ADD 11, CREDIT_SPEND 2, CONTENT_CREATION 1, /transactions)",
        ["unknown_operation"] = "BadInputTests, SharedLedgerContractTests (other app's operations)",
        ["missing_idempotency_key"] = "BadInputTests (no nonce, empty nonce on ledger, transactions, accounts)",
        ["missing_api_key"] = "RouteTableTests (every authenticated route), BadInputTests, SharedLedgerContractTests",
        ["invalid_api_key"] = "RouteTableTests (wrong, case-changed, padded, over-long keys), BadInputTests",
        ["invalid_token"] = "BearerTokenTests (expired, wrong audience, issuer or key, no app claim, unknown app, garbage)",
        ["insufficient_scope"] = "ScopeMatrixTests (every route against every scope), ApiKeyAuthenticationTests (mint with a catalog-only key)",
        ["rate_limited"] = "RateLimitTests (per app and per key, with Retry-After)",
        ["overloaded"] = "RateLimitTests (beyond the in-flight bound, with Retry-After)",
        ["account_not_found"] = "AccountTests (every account route: unknown, impossible, other app's), BadInputTests",
        ["route_not_found"] = "RouteTableTests, DurabilityTests (through Kestrel)",
        ["method_not_allowed"] = "RouteTableTests (every route, Allow header), DurabilityTests",
        ["idempotency_key_reused"] = "IdempotencyTests, TransactionTests",
        ["account_already_exists"] = "AccountTests, BadInputTests",
        ["account_owner_mismatch"] = "SharedLedgerContractTests",
        ["account_frozen"] = "AccountTests",
        ["account_closed"] = "AccountTests",
        ["account_not_empty"] = "AccountTests, BadInputTests",
        ["body_too_large"] = "BadInputTests (sized and chunked), DurabilityTests (20 KB and 100 KB through Kestrel)",
        ["unsupported_media_type"] = "BadInputTests (text/plain, form, xml), AccountTests",
        ["insufficient_funds"] = "ConcurrencyTests, BadInputTests, SharedLedgerContractTests, TransactionTests",
        ["store_unavailable"] = "StoreFaultTests (injected store outage, with Retry-After)",
        ["internal_error"] = "StoreFaultTests (injected store failure)",
    };

    /// <summary>Code → why no test of this project produces it.</summary>
    private static readonly Dictionary<string, string> NotReachableHere = new(StringComparer.Ordinal)
    {
        ["balance_limit_exceeded"] = "needs a balance above 10^18, a million maximal mints; covered by the domain tests",
        ["contention"] = "needs 10,000 queued commands on one partition or 8 cross-process conflicts in a row; covered by the engine tests",
        ["account_not_frozen"] = "no core route answers it (unfreeze of an open account is a no-op)",
        ["same_account_transfer"] = "transfer routes: covered by their own API tests",
        ["transfer_not_found"] = "transfer routes",
        ["hold_not_found"] = "hold routes",
        ["hold_expired"] = "hold routes",
        ["hold_already_resolved"] = "hold routes",
        ["capture_exceeds_hold"] = "hold routes",
        ["refund_exceeds_remaining"] = "refund routes",
        ["transfer_not_refundable"] = "refund routes",
        ["export_not_found"] = "report and export routes",
        ["export_not_ready"] = "report and export routes",
        ["export_too_large"] = "report and export routes",
    };

    [Fact]
    public void Every_known_error_code_is_either_tested_over_HTTP_or_deliberately_out_of_reach()
    {
        var unaccounted = Problems.KnownCodes.Where(code => !Covered.ContainsKey(code) && !NotReachableHere.ContainsKey(code)).Order(StringComparer.Ordinal).ToArray();

        Assert.True(unaccounted.Length == 0, $"Error codes without an API test or a reason: {string.Join(", ", unaccounted)}");
    }

    [Fact]
    public void The_lists_name_only_codes_that_exist()
    {
        var known = Problems.KnownCodes.ToHashSet(StringComparer.Ordinal);

        Assert.All(Covered.Keys, code => Assert.Contains(code, known));
        Assert.All(NotReachableHere.Keys, code => Assert.Contains(code, known));
        Assert.Empty(Covered.Keys.Intersect(NotReachableHere.Keys));
    }

    [Fact]
    public void Every_code_has_one_status_and_clients_never_get_a_2xx_or_3xx_problem()
    {
        Assert.All(Problems.KnownCodes, code => Assert.InRange(Problems.StatusOf(code), 400, 599));
    }
}
