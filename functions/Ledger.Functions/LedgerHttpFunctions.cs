using Ledger.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Ledger.Functions;

/// <summary>
/// One HTTP function per route of <see cref="LedgerRoutes"/>, each only handing the request to the shared
/// <see cref="LedgerApi"/>: no parsing and no decisions here. Routes with a saga run it as a Durable
/// Functions orchestration. A test reads this file and fails if it drifts from the route table.
/// Function-level authorization (a function key) comes on top of the ledger's own: the shared handler
/// authenticates the X-Api-Key or bearer token and checks the route's scope through the ASP.NET Core
/// authentication and authorization services, as in the local host.
/// </summary>
public sealed class LedgerHttpFunctions(LedgerApi api)
{
    [Function("GetAccountSummary")]
    public Task<IResult> GetAccountSummary([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.AccountSummary)] HttpRequest request, string account_id)
        => Handle(request, "GetAccountSummary", ("account_id", account_id));

    [Function("RequestExport")]
    public Task<IResult> RequestExport([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Exports)] HttpRequest request)
        => Handle(request, "RequestExport");

    [Function("GetExport")]
    public Task<IResult> GetExport([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.Export)] HttpRequest request, string export_id)
        => Handle(request, "GetExport", ("export_id", export_id));

    [Function("DownloadExport")]
    public Task<IResult> DownloadExport([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.ExportFile)] HttpRequest request, string export_id)
        => Handle(request, "DownloadExport", ("export_id", export_id));

    [Function("GetConsumerStatus")]
    public Task<IResult> GetConsumerStatus([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.ConsumerStatus)] HttpRequest request)
        => Handle(request, "GetConsumerStatus");

    [Function("GetTrialBalance")]
    public Task<IResult> GetTrialBalance([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.TrialBalance)] HttpRequest request)
        => Handle(request, "GetTrialBalance");

    [Function("ListStuckTransfers")]
    public Task<IResult> ListStuckTransfers([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.StuckTransfers)] HttpRequest request)
        => Handle(request, "ListStuckTransfers");

    [Function("StartTransfer")]
    public Task<IResult> StartTransfer([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Transfers)] HttpRequest request, [DurableClient] DurableTaskClient durableClient)
        => HandleWithDurableSagas(request, durableClient, "StartTransfer");

    [Function("GetTransfer")]
    public Task<IResult> GetTransfer([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.Transfer)] HttpRequest request, string transfer_id)
        => Handle(request, "GetTransfer", ("transfer_id", transfer_id));

    [Function("RefundTransfer")]
    public Task<IResult> RefundTransfer([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.TransferRefunds)] HttpRequest request, string transfer_id, [DurableClient] DurableTaskClient durableClient)
        => HandleWithDurableSagas(request, durableClient, "RefundTransfer", ("transfer_id", transfer_id));

    [Function("PlaceHold")]
    public Task<IResult> PlaceHold([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Holds)] HttpRequest request)
        => Handle(request, "PlaceHold");

    [Function("GetHold")]
    public Task<IResult> GetHold([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.Hold)] HttpRequest request, string hold_id)
        => Handle(request, "GetHold", ("hold_id", hold_id));

    [Function("CaptureHold")]
    public Task<IResult> CaptureHold([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.HoldCapture)] HttpRequest request, string hold_id, [DurableClient] DurableTaskClient durableClient)
        => HandleWithDurableSagas(request, durableClient, "CaptureHold", ("hold_id", hold_id));

    [Function("VoidHold")]
    public Task<IResult> VoidHold([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.HoldVoid)] HttpRequest request, string hold_id)
        => Handle(request, "VoidHold", ("hold_id", hold_id));

    [Function("RefundMint")]
    public Task<IResult> RefundMint([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.TransactionRefunds)] HttpRequest request, string transaction_id)
        => Handle(request, "RefundMint", ("transaction_id", transaction_id));

    [Function("Health")]
    public Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LedgerRoutes.Health)] HttpRequest request)
        => Handle(request, "Health");

    [Function("Ping")]
    public Task<IResult> Ping([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LedgerRoutes.Ping)] HttpRequest request)
        => Handle(request, "Ping");

    [Function("PostLedger")]
    public Task<IResult> PostLedger([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Ledger)] HttpRequest request)
        => Handle(request, "PostLedger");

    [Function("GetLedgerBalance")]
    public Task<IResult> GetLedgerBalance([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.LedgerOwner)] HttpRequest request, string owner_id)
        => Handle(request, "GetLedgerBalance", ("owner_id", owner_id));

    [Function("OpenAccount")]
    public Task<IResult> OpenAccount([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Accounts)] HttpRequest request)
        => Handle(request, "OpenAccount");

    [Function("ListAccounts")]
    public Task<IResult> ListAccounts([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.Accounts)] HttpRequest request)
        => Handle(request, "ListAccounts");

    [Function("GetAccount")]
    public Task<IResult> GetAccount([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.Account)] HttpRequest request, string account_id)
        => Handle(request, "GetAccount", ("account_id", account_id));

    [Function("FreezeAccount")]
    public Task<IResult> FreezeAccount([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.AccountFreeze)] HttpRequest request, string account_id)
        => Handle(request, "FreezeAccount", ("account_id", account_id));

    [Function("UnfreezeAccount")]
    public Task<IResult> UnfreezeAccount([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.AccountUnfreeze)] HttpRequest request, string account_id)
        => Handle(request, "UnfreezeAccount", ("account_id", account_id));

    [Function("CloseAccount")]
    public Task<IResult> CloseAccount([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.AccountClose)] HttpRequest request, string account_id)
        => Handle(request, "CloseAccount", ("account_id", account_id));

    [Function("GetBalance")]
    public Task<IResult> GetBalance([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.AccountBalance)] HttpRequest request, string account_id)
        => Handle(request, "GetBalance", ("account_id", account_id));

    [Function("ListEntries")]
    public Task<IResult> ListEntries([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.AccountEntries)] HttpRequest request, string account_id)
        => Handle(request, "ListEntries", ("account_id", account_id));

    [Function("VerifyAccount")]
    public Task<IResult> VerifyAccount([HttpTrigger(AuthorizationLevel.Function, "get", Route = LedgerRoutes.AccountVerify)] HttpRequest request, string account_id)
        => Handle(request, "VerifyAccount", ("account_id", account_id));

    [Function("PostTransaction")]
    public Task<IResult> PostTransaction([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.Transactions)] HttpRequest request)
        => Handle(request, "PostTransaction");

    [Function("PostTransactionBatch")]
    public Task<IResult> PostTransactionBatch([HttpTrigger(AuthorizationLevel.Function, "post", Route = LedgerRoutes.TransactionsBatch)] HttpRequest request)
        => Handle(request, "PostTransactionBatch");

    /// <summary>Runs the shared handler with the route values Functions bound from the template.</summary>
    private Task<IResult> Handle(HttpRequest request, string routeName, params (string Name, string Value)[] routeValues)
    {
        foreach (var (name, value) in routeValues)
        {
            request.RouteValues[name] = value;
        }

        return api.HandleAsync(LedgerRoutes.Named(routeName), request.HttpContext);
    }

    /// <summary>Like <see cref="Handle"/>, with this request's sagas driven by Durable Functions orchestrations.</summary>
    private Task<IResult> HandleWithDurableSagas(HttpRequest request, DurableTaskClient durableClient, string routeName, params (string Name, string Value)[] routeValues)
    {
        request.HttpContext.Items[LedgerApi.SagaDriverItem] = new DurableTransferSagaDriver(durableClient, api.Engine);
        return Handle(request, routeName, routeValues);
    }
}
