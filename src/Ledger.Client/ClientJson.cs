using System.Text.Json.Serialization;

namespace Ledger.Client;

/// <summary>Source-generated JSON for every request and response of the client: no reflection at run time, trimming-safe.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LedgerProblem))]
[JsonSerializable(typeof(LedgerPostRequest))]
[JsonSerializable(typeof(OpenAccountRequest))]
[JsonSerializable(typeof(TransactionRequest))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(HoldRequest))]
[JsonSerializable(typeof(CaptureRequest))]
[JsonSerializable(typeof(RefundRequest))]
[JsonSerializable(typeof(MintRefundRequest))]
[JsonSerializable(typeof(ExportRequest))]
[JsonSerializable(typeof(LedgerPosting))]
[JsonSerializable(typeof(OwnerBalance))]
[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(AccountPage))]
[JsonSerializable(typeof(Balance))]
[JsonSerializable(typeof(Entry))]
[JsonSerializable(typeof(EntryPage))]
[JsonSerializable(typeof(Transfer))]
[JsonSerializable(typeof(TransferPage))]
[JsonSerializable(typeof(AccountSummary))]
[JsonSerializable(typeof(Export))]
[JsonSerializable(typeof(ConsumerReport))]
[JsonSerializable(typeof(TrialBalance))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(PingReply))]
[JsonSerializable(typeof(AccountVerification))]
[JsonSerializable(typeof(TransactionBatchResult))]
public sealed partial class ClientJson : JsonSerializerContext;

/// <summary>Source-generated JSON for the wire-only shapes the client keeps internal (a public context cannot expose them).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TransactionBatchBody))]
internal sealed partial class WireJson : JsonSerializerContext;
