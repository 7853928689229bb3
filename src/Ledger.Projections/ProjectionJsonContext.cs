using System.Text.Json.Serialization;
using Ledger.Projections.Audit;
using Ledger.Projections.Notifications;

namespace Ledger.Projections;

/// <summary>Source-generated serialization of the documents and event payloads this project writes.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportDocument))]
[JsonSerializable(typeof(DeadLetterDocument))]
[JsonSerializable(typeof(LedgerEventData))]
[JsonSerializable(typeof(AuditTotals))]
[JsonSerializable(typeof(AuditAccountState))]
[JsonSerializable(typeof(AuditTransferLegs))]
internal sealed partial class ProjectionJsonContext : JsonSerializerContext;
