namespace Ledger.Client;

public sealed partial class LedgerClient
{
    /// <summary><c>POST /transactions</c>: a mint, burn or catalog operation (see <see cref="TransactionRequest.Mint"/>).</summary>
    public Task<Entry> PostTransactionAsync(TransactionRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("transactions", request, ClientJson.Default.TransactionRequest, ClientJson.Default.Entry, cancellationToken);

    /// <summary><c>POST /transactions/{transaction_id}/refunds</c>: a linked burn reversing a mint, in full or in part.</summary>
    public Task<Entry> RefundMintAsync(string transactionId, MintRefundRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("transactions/" + Segment(transactionId) + "/refunds", request, ClientJson.Default.MintRefundRequest, ClientJson.Default.Entry, cancellationToken);

    /// <summary>
    /// <c>POST /transfers</c>: finished (posted, or voided with a failure code) when the ledger finished it while
    /// the request waited; otherwise still running (<see cref="Transfer.IsFinished"/> false): see <see cref="WaitForTransferAsync"/>.
    /// </summary>
    public Task<Transfer> StartTransferAsync(TransferRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("transfers", request, ClientJson.Default.TransferRequest, ClientJson.Default.Transfer, cancellationToken);

    /// <summary><c>GET /transfers/{transfer_id}</c>: a transfer, hold or refund.</summary>
    public Task<Transfer> GetTransferAsync(string transferId, CancellationToken cancellationToken = default)
        => GetAsync("transfers/" + Segment(transferId), ClientJson.Default.Transfer, cancellationToken);

    /// <summary>Polls a transfer until it is posted or voided.</summary>
    public async Task<Transfer> WaitForTransferAsync(string transferId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var transfer = await GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
            if (transfer.IsFinished)
            {
                return transfer;
            }

            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>POST /transfers/{transfer_id}/refunds</c>: a linked reverse transfer, in full or in part.</summary>
    public Task<Transfer> RefundTransferAsync(string transferId, RefundRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("transfers/" + Segment(transferId) + "/refunds", request, ClientJson.Default.RefundRequest, ClientJson.Default.Transfer, cancellationToken);

    /// <summary><c>GET /status/transfers/stuck</c>: transfers whose saga cannot end by itself, oldest first.</summary>
    public Task<TransferPage> ListStuckTransfersAsync(int? limit = null, string? continuation = null, CancellationToken cancellationToken = default)
        => GetAsync(WithQuery("status/transfers/stuck", ("limit", Text(limit)), ("continuation", continuation)), ClientJson.Default.TransferPage, cancellationToken);

    /// <summary><c>POST /holds</c>: reserves the amount on the source; the hold is pending until captured, voided or expired.</summary>
    public Task<Transfer> PlaceHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("holds", request, ClientJson.Default.HoldRequest, ClientJson.Default.Transfer, cancellationToken);

    /// <summary><c>GET /holds/{hold_id}</c>.</summary>
    public Task<Transfer> GetHoldAsync(string holdId, CancellationToken cancellationToken = default)
        => GetAsync("holds/" + Segment(holdId), ClientJson.Default.Transfer, cancellationToken);

    /// <summary><c>POST /holds/{hold_id}/capture</c>: the whole hold, or <see cref="CaptureRequest.Amount"/> of it.</summary>
    public Task<Transfer> CaptureHoldAsync(string holdId, CaptureRequest? request = null, CancellationToken cancellationToken = default)
        => WriteAsync("holds/" + Segment(holdId) + "/capture", request ?? new CaptureRequest(), ClientJson.Default.CaptureRequest, ClientJson.Default.Transfer, cancellationToken);

    /// <summary><c>POST /holds/{hold_id}/void</c>: releases the reserved amount.</summary>
    public Task<Transfer> VoidHoldAsync(string holdId, CancellationToken cancellationToken = default)
        => SetStateAsync("holds/" + Segment(holdId) + "/void", ClientJson.Default.Transfer, cancellationToken);
}
