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

    private static RouteDefinition[] TransferRoutes =>
    [
        new("StartTransfer", "POST", Transfers, Anonymous: false, (api, request) => api.StartTransferAsync(request)),
        new("GetTransfer", "GET", Transfer, Anonymous: false, (api, request) => api.GetTransferAsync(request)),
        new("RefundTransfer", "POST", TransferRefunds, Anonymous: false, (api, request) => api.RefundTransferAsync(request)),
        new("PlaceHold", "POST", Holds, Anonymous: false, (api, request) => api.PlaceHoldAsync(request)),
        new("GetHold", "GET", Hold, Anonymous: false, (api, request) => api.GetHoldAsync(request)),
        new("CaptureHold", "POST", HoldCapture, Anonymous: false, (api, request) => api.CaptureHoldAsync(request)),
        new("VoidHold", "POST", HoldVoid, Anonymous: false, (api, request) => api.VoidHoldAsync(request)),
        new("RefundMint", "POST", TransactionRefunds, Anonymous: false, (api, request) => api.RefundMintAsync(request)),
    ];
}
