using Ledger.Domain;
using Ledger.Engine;

namespace Ledger.Http;

/// <summary>The contract of every route, by route name: what the OpenAPI document says about it.</summary>
public static partial class LedgerRoutes
{
    /// <summary>Each path parameter of the templates, declared once: what it names and the rule its value follows.</summary>
    public static IReadOnlyDictionary<string, ContractParameter> PathParameters { get; } = new Dictionary<string, ContractParameter>(StringComparer.Ordinal)
    {
        ["owner_id"] = new("owner_id", ParameterPlace.Path, "The app's user id (1–128 letters, digits, '.', '_', '-', ':' or '@').", "test_user") { Pattern = "^[A-Za-z0-9._:@-]{1,128}$" },
        ["account_id"] = new("account_id", ParameterPlace.Path, "The account's id in the calling app; an id that breaks the identifier rule answers 404 account_not_found.", "user-100"),
        ["transfer_id"] = new("transfer_id", ParameterPlace.Path, "A transfer or refund id (tr_ + 24 hex digits + _ + the source account id); anything else answers 404.", "tr_0123456789abcdef01234567_user-100"),
        ["hold_id"] = new("hold_id", ParameterPlace.Path, "A hold's transfer id (tr_…); ids of transfers and refunds answer 404 hold_not_found.", "tr_0123456789abcdef01234567_user-100"),
        ["transaction_id"] = new("transaction_id", ParameterPlace.Path, "The id of the mint to refund (tx_ + 32 hex digits); anything else answers 422 transfer_not_refundable.", "tx_0123456789abcdef0123456789abcdef"),
        ["export_id"] = new("export_id", ParameterPlace.Path, "An export id (exp_ + 24 hex digits).", "exp_0123456789abcdef01234567"),
    };

    private static readonly ContractParameter Limit = new("limit", ParameterPlace.Query, $"Page size, 1 to {LedgerEngine.MaxPageSize}; {LedgerEngine.DefaultPageSize} when left out.", "50")
    {
        Format = "int32", Minimum = 1, Maximum = LedgerEngine.MaxPageSize,
    };

    private static ContractParameter InstantQuery(string name, string description)
        => new(name, ParameterPlace.Query, description + " An ISO-8601 instant of at most 40 characters; without an offset it is UTC.", "2026-12-01T00:00:00Z") { Format = "date-time" };

    private static readonly IReadOnlyDictionary<string, RouteContract> ContractsByName = new Dictionary<string, RouteContract>(StringComparer.Ordinal)
    {
        ["Health"] = new()
        {
            Tag = "Operations", Summary = "Whether the host is up", ReadsStore = false, Sheddable = false,
            Successes = [new(200, typeof(HealthResponse), "The host answers.")],
        },
        ["Ping"] = new()
        {
            Tag = "Operations", Summary = "A liveness ping", ReadsStore = false,
            Successes = [new(200, typeof(PingResponse), "Always ok.")],
        },
        ["PostLedger"] = new()
        {
            Tag = "Shared ledger", Summary = "Post a catalog operation for an owner (shared-ledger contract)", Idempotent = true,
            Description = "Applies a catalog operation to the owner's account (its id is the owner id), opening the account on first use. A replay with the same key answers the original 201 and changes nothing.",
            Body = typeof(LedgerPostBody), BodyExample = """{"owner_id": "test_user", "operation": "CREDIT_ADD", "amount": 10, "nonce": "123e4567-e89b-12d3-a456-426655440000"}""",
            Successes = [new(201, typeof(LedgerPostingResponse), "Posted (or the replay of the posting this key made).")],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.AmountMismatch, ErrorCodes.UnknownOperation, ErrorCodes.AccountOwnerMismatch, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.BalanceLimitExceeded, ErrorCodes.Contention],
        },
        ["GetLedgerBalance"] = new()
        {
            Tag = "Shared ledger", Summary = "An owner's balance (shared-ledger contract)",
            Description = "Zero for an owner never seen.",
            Successes = [new(200, typeof(OwnerBalanceResponse), "The owner's balance.")],
            Refusals = [ErrorCodes.InvalidField, ErrorCodes.AccountOwnerMismatch],
        },
        ["OpenAccount"] = new()
        {
            Tag = "Accounts", Summary = "Open an account", Idempotent = true,
            Body = typeof(OpenAccountBody), BodyExample = """{"owner_id": "user-100", "account_id": "user-100", "nonce": "open-user-100"}""",
            Successes = [new(201, typeof(AccountResponse), "Opened (or the replay: the account as it is now).", Location: true)],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.AccountAlreadyExists],
        },
        ["ListAccounts"] = new()
        {
            Tag = "Accounts", Summary = "An owner's accounts",
            Parameters =
            [
                new("owner_id", ParameterPlace.Query, "The owner whose accounts are listed.", "user-100", Required: true) { Pattern = "^[A-Za-z0-9._:@-]{1,128}$" },
                Limit,
                new("continuation", ParameterPlace.Query, "The continuation of the previous page.", "user-100"),
            ],
            Successes = [new(200, typeof(AccountListResponse), "One page of accounts; continuation is absent on the last page.")],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidField],
        },
        ["GetAccount"] = new()
        {
            Tag = "Accounts", Summary = "An account",
            Successes = [new(200, typeof(AccountResponse), "The account.")],
            Refusals = [ErrorCodes.AccountNotFound],
        },
        ["FreezeAccount"] = StateChange("Accounts", "Freeze an account", "No postings either way while frozen. Idempotent by nature: freezing a frozen account answers 200.", [ErrorCodes.AccountNotFound, ErrorCodes.AccountClosed, ErrorCodes.Contention]),
        ["UnfreezeAccount"] = StateChange("Accounts", "Unfreeze an account", "Unfreezing an open account answers 200.", [ErrorCodes.AccountNotFound, ErrorCodes.AccountClosed, ErrorCodes.AccountNotFrozen, ErrorCodes.Contention]),
        ["CloseAccount"] = StateChange("Accounts", "Close an account", "Only an empty account (no balance, nothing pending) closes; closing is final.", [ErrorCodes.AccountNotFound, ErrorCodes.AccountNotEmpty, ErrorCodes.Contention]),
        ["GetBalance"] = new()
        {
            Tag = "History", Summary = "An account's balance, now or as of an instant",
            Parameters = [InstantQuery("asOf", "The balance as of this instant, from the nearest snapshot; the current balance (with pending and available) when left out.")],
            Successes = [new(200, typeof(BalanceResponse), "The balance.")],
            Refusals = [ErrorCodes.AccountNotFound, ErrorCodes.InvalidField],
        },
        ["ListEntries"] = new()
        {
            Tag = "History", Summary = "An account's entries, newest first",
            Parameters = [Limit, new("cursor", ParameterPlace.Query, "The next_cursor of the previous page.", "user-100/5")],
            Successes = [new(200, typeof(EntryPageResponse), "One page of entries; next_cursor is absent on the last page.")],
            Refusals = [ErrorCodes.AccountNotFound, ErrorCodes.InvalidField],
        },
        ["VerifyAccount"] = new()
        {
            Tag = "History", Summary = "Verify an account's hash chain and balance",
            Description = $"Recomputes each entry's hash (SHA-256 of the previous entry's hash and the entry's canonical bytes) and the running balance, oldest first, up to the newest entry the account records, and names the first entry that breaks either. At most {LedgerEngine.MaxEntriesPerVerification} entries per call: a longer account answers status incomplete with a next_cursor to resume from.",
            Parameters = [new("cursor", ParameterPlace.Query, "The next_cursor of the previous call.", "YzE6MjAwMDE6LToxMDA")],
            Successes = [new(200, typeof(VerificationResponse), "ok, incomplete (resume with next_cursor) or broken (first_break names the entry).")],
            Refusals = [ErrorCodes.AccountNotFound, ErrorCodes.InvalidField],
        },
        ["PostTransaction"] = new()
        {
            Tag = "Transactions", Summary = "Mint, burn or apply a catalog operation", Idempotent = true,
            Body = typeof(TransactionBody), BodyExample = """{"kind": "mint", "account_id": "user-100", "amount": 1000, "reason": "credit_purchase", "memo": "Pack of 1000", "nonce": "purchase-8841"}""",
            Successes = [new(201, typeof(EntryDocument), "The entry posted (or the replay of the one this key posted).")],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.AmountMismatch, ErrorCodes.UnknownOperation, ErrorCodes.AccountNotFound, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.BalanceLimitExceeded, ErrorCodes.Contention],
        },
        ["PostTransactionBatch"] = new()
        {
            Tag = "Transactions", Summary = "Post up to 1,000 mints, burns and catalog operations at once",
            Description = "Each item is a POST /transactions body with its own nonce (the request itself takes no Idempotency-Key) and is decided exactly as that route decides it: "
                + "same key space, a replayed nonce answers its original outcome, a nonce reused with another body answers 409 idempotency_key_reused, no account ever goes below its floor. "
                + "Items run concurrently through the same per-account pipeline as single postings; each is atomic on its own account, and nothing is atomic across items or accounts: some items can be posted while others are refused. "
                + "The answer is 200 with one result per item, in request order: the status POST /transactions would have answered, and the entry or the problem. "
                + "A batch that cannot be read (not JSON, no items, more than 1,000 items, two items with one nonce, a body over 1 MiB) is one problem and nothing is posted. "
                + "Each item needs the scope its kind needs (ledger.operations or ledger.issue); an item whose scope the credential lacks answers 403 insufficient_scope.",
            Body = typeof(TransactionBatchBody),
            BodyExample = """{"items": [{"kind": "mint", "account_id": "user-100", "amount": 1000, "reason": "credit_purchase", "nonce": "purchase-8842"}, {"kind": "operation", "account_id": "user-100", "operation": "CREDIT_SPEND", "nonce": "spend-8842-1"}]}""",
            Successes = [new(200, typeof(TransactionBatchResponse), "One result per item, in request order.")],
            Refusals = [ErrorCodes.MissingField],
        },
        ["StartTransfer"] = new()
        {
            Tag = "Transfers", Summary = "Transfer between two accounts", Idempotent = true,
            Description = "A two-phase transfer: the source is debited first, then the destination credited. 201 when it finished while the request waited, 202 with a Location to poll when it did not.",
            Body = typeof(TransferBody), BodyExample = """{"from": "user-100", "to": "creator-200", "amount": 50, "reason": "content_unlock", "memo": "Post 981", "nonce": "unlock-user-100-post-981"}""",
            Successes = TransferOutcomes("The transfer, finished (posted, or voided with failure_code)."),
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.SameAccountTransfer, ErrorCodes.AccountNotFound, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.Contention],
        },
        ["GetTransfer"] = new()
        {
            Tag = "Transfers", Summary = "A transfer, hold or refund",
            Successes = [new(200, typeof(TransferResponse), "The transfer.")],
            Refusals = [ErrorCodes.TransferNotFound],
        },
        ["ListStuckTransfers"] = new()
        {
            Tag = "Transfers", Summary = "Transfers whose saga cannot end by itself",
            Description = "Stuck transfers (stuck_since, stuck_reason: commit_failing, void_failing or credit_undecided), oldest first: an app's read credential sees its own, an operator every app's. Paged with limit and continuation.",
            Parameters = [Limit, new("continuation", ParameterPlace.Query, "The continuation of the previous page.", "WyJvcGVuLXRyYW5zZmVyIl0")],
            Successes = [new(200, typeof(TransferListResponse), "The stuck transfers.")],
            Refusals = [ErrorCodes.InvalidField],
        },
        ["RefundTransfer"] = new()
        {
            Tag = "Transfers", Summary = "Refund a posted transfer", Idempotent = true,
            Description = "A linked reverse transfer (kind refund, refund_of the original); refunds never add up to more than the original.",
            Body = typeof(RefundBody), BodyExample = """{"amount": 20, "reason": "unlock_refund", "memo": "Video would not play", "nonce": "refund-unlock-981-1"}""",
            Successes = TransferOutcomes("The refund, finished."),
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.TransferNotFound, ErrorCodes.TransferNotRefundable, ErrorCodes.RefundExceedsRemaining, ErrorCodes.AccountNotFound, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.Contention],
        },
        ["PlaceHold"] = new()
        {
            Tag = "Holds", Summary = "Place a hold", Idempotent = true,
            Body = typeof(HoldBody), BodyExample = """{"from": "user-100", "to": "creator-200", "amount": 40, "reason": "live_session", "expires_in_seconds": 600, "nonce": "hold-session-12"}""",
            Successes = [new(201, typeof(TransferResponse), "The hold (state pending), its amount reserved on from.", Location: true)],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.SameAccountTransfer, ErrorCodes.AccountNotFound, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.Contention],
        },
        ["GetHold"] = new()
        {
            Tag = "Holds", Summary = "A hold",
            Successes = [new(200, typeof(TransferResponse), "The hold.")],
            Refusals = [ErrorCodes.HoldNotFound],
        },
        ["CaptureHold"] = new()
        {
            Tag = "Holds", Summary = "Capture a hold, in full or in part", Idempotent = true,
            Body = typeof(CaptureBody), BodyExample = """{"amount": 35, "nonce": "capture-session-12"}""",
            Successes = TransferOutcomes("The captured hold, posted."),
            Refusals = [ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.HoldNotFound, ErrorCodes.HoldExpired, ErrorCodes.HoldAlreadyResolved, ErrorCodes.CaptureExceedsHold, ErrorCodes.AccountClosed, ErrorCodes.Contention],
        },
        ["VoidHold"] = StateChange("Holds", "Void a hold", "Releases the reserved amount. Idempotent by nature: voiding a voided hold answers 200.", [ErrorCodes.HoldNotFound, ErrorCodes.HoldAlreadyResolved, ErrorCodes.Contention], typeof(TransferResponse)),
        ["RefundMint"] = new()
        {
            Tag = "Transactions", Summary = "Refund a mint", Idempotent = true,
            Description = "A linked burn of the account the mint credited (reverses_transaction_id), in full or in part.",
            Body = typeof(MintRefundBody), BodyExample = """{"account_id": "user-100", "amount": 400, "reason": "purchase_refund", "memo": "Chargeback on order 8841", "nonce": "refund-purchase-8841"}""",
            Successes = [new(201, typeof(EntryDocument), "The burn posted.")],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.InvalidAmount, ErrorCodes.AmountTooLarge, ErrorCodes.TransferNotRefundable, ErrorCodes.RefundExceedsRemaining, ErrorCodes.AccountNotFound, ErrorCodes.AccountFrozen, ErrorCodes.AccountClosed, ErrorCodes.InsufficientFunds, ErrorCodes.Contention],
        },
        ["GetAccountSummary"] = new()
        {
            Tag = "Reports", Summary = "Credits, debits and breakdowns of an account over a period",
            Parameters = [InstantQuery("from", "Start of the period, included."), InstantQuery("to", "End of the period, excluded.")],
            Successes = [new(200, typeof(SummaryResponse), "The summary.")],
            Refusals = [ErrorCodes.AccountNotFound, ErrorCodes.InvalidField, ErrorCodes.RouteNotFound],
        },
        ["RequestExport"] = new()
        {
            Tag = "Reports", Summary = "Request a CSV export", Idempotent = true,
            Description = "Written in the background: poll the Location until status is completed, then download file_url. Export keys are their own key space.",
            Body = typeof(ExportBody), BodyExample = """{"account_id": "user-100", "nonce": "export-user-100"}""",
            Successes = [new(202, typeof(ExportResponse), "The export, pending (or its current status on a replay).", Location: true)],
            Refusals = [ErrorCodes.MissingField, ErrorCodes.AccountNotFound, ErrorCodes.RouteNotFound],
        },
        ["GetExport"] = new()
        {
            Tag = "Reports", Summary = "An export's status",
            Successes = [new(200, typeof(ExportResponse), "The export.")],
            Refusals = [ErrorCodes.ExportNotFound, ErrorCodes.RouteNotFound],
        },
        ["DownloadExport"] = new()
        {
            Tag = "Reports", Summary = "Download a completed export's CSV file",
            Successes = [new(200, typeof(string), "The RFC 4180 CSV file, streamed.", ContentType: "text/csv")],
            Refusals = [ErrorCodes.ExportNotFound, ErrorCodes.ExportNotReady, ErrorCodes.ExportTooLarge, ErrorCodes.RouteNotFound],
        },
        ["GetConsumerStatus"] = new()
        {
            Tag = "Operations", Summary = "The change-feed consumers and how far behind they are", Description = "Operational data for operators.",
            Successes = [new(200, typeof(ConsumerStatusListResponse), "The consumers.")],
            Refusals = [ErrorCodes.RouteNotFound],
        },
        ["GetTrialBalance"] = new()
        {
            Tag = "Operations", Summary = "The continuous audit's totals per app, as of its checkpoint",
            Description = "Minted, burned, the sums of balances and pending, transfers in flight, accounts, how far the audit has read and the violations it found. An operator sees every app; an app's read key sees its own app.",
            Successes = [new(200, typeof(TrialBalanceResponse), "The trial balance.")],
            Refusals = [ErrorCodes.RouteNotFound],
        },
    };

    /// <summary>The contract of <paramref name="route"/>; null for a route nobody has described yet (a test fails on that).</summary>
    public static RouteContract? ContractOf(RouteDefinition route) => ContractsByName.GetValueOrDefault(route.Name);

    private static RouteContract StateChange(string tag, string summary, string description, IReadOnlyList<string> refusals, Type? response = null) => new()
    {
        Tag = tag, Summary = summary, Description = description,
        Body = typeof(StateChangeBody), BodyRequired = false,
        Successes = [new(200, response ?? typeof(AccountResponse), "The new state.")],
        Refusals = refusals,
    };

    private static RouteSuccess[] TransferOutcomes(string finished) =>
    [
        new(201, typeof(TransferResponse), finished, Location: true),
        new(202, typeof(TransferResponse), "Still running when the request stopped waiting: poll the Location.", Location: true),
    ];
}
