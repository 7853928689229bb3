using Ledger.Http.Authentication;

namespace Ledger.Http;

public static partial class LedgerRoutes
{
    public const string Transfers = "transfers";
    public const string Transfer = "transfers/{transfer_id}";
    public const string TransferRefunds = "transfers/{transfer_id}/refunds";
    public const string Holds = "holds";
    public const string Hold = "holds/{hold_id}";
    public const string HoldCapture = "holds/{hold_id}/capture";
    public const string HoldVoid = "holds/{hold_id}/void";
    public const string TransactionRefunds = "transactions/{transaction_id}/refunds";
    public const string StuckTransfers = "status/transfers/stuck";

    private static RouteDefinition[] TransferRoutes =>
    [
        new("StartTransfer", "POST", Transfers, Scope: LedgerScopes.Transfers, (api, request) => api.StartTransferAsync(request)),
        new("GetTransfer", "GET", Transfer, Scope: LedgerScopes.Read, (api, request) => api.GetTransferAsync(request)),
        new("RefundTransfer", "POST", TransferRefunds, Scope: LedgerScopes.Transfers, (api, request) => api.RefundTransferAsync(request)),
        new("PlaceHold", "POST", Holds, Scope: LedgerScopes.Transfers, (api, request) => api.PlaceHoldAsync(request)),
        new("GetHold", "GET", Hold, Scope: LedgerScopes.Read, (api, request) => api.GetHoldAsync(request)),
        new("CaptureHold", "POST", HoldCapture, Scope: LedgerScopes.Transfers, (api, request) => api.CaptureHoldAsync(request)),
        new("VoidHold", "POST", HoldVoid, Scope: LedgerScopes.Transfers, (api, request) => api.VoidHoldAsync(request)),
        new("RefundMint", "POST", TransactionRefunds, Scope: LedgerScopes.Issue, (api, request) => api.RefundMintAsync(request)),

        // Transfers whose saga cannot end by itself: an app's read credential sees its own, an operator every app's.
        new("ListStuckTransfers", "GET", StuckTransfers, Scope: LedgerScopes.Operator, (api, request) => api.ListStuckTransfersAsync(request)),
    ];
}
