using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>What the harness knows of a write it sent: acknowledged, refused, or unknown (the host died first).</summary>
internal enum WriteOutcome
{
    Unknown,
    Acknowledged,
    Refused,
}

internal enum WriteKind
{
    Mint,
    Burn,
    Transfer,
    Hold,
    Capture,
    Void,
    Refund,
    Export,
}

/// <summary>
/// One keyed write and what became of it. An unknown outcome is resolved after the restart the way a
/// client must: by sending the same request with the same key again.
/// </summary>
internal sealed class KeyedWrite(WriteKind kind, string path, JsonObject body, string key, long amount, string? account)
{
    public WriteKind Kind { get; } = kind;

    public string Path { get; } = path;

    public JsonObject Body { get; } = body;

    public string Key { get; } = key;

    /// <summary>The amount a mint or burn moves; what other writes move is read back from the ledger.</summary>
    public long Amount { get; } = amount;

    /// <summary>The account a mint or burn moves.</summary>
    public string? Account { get; } = account;

    public WriteOutcome Outcome { get; set; }

    /// <summary>The transfer (or hold, or refund) or export the write created or moved, once acknowledged.</summary>
    public string? ResourceId { get; set; }

    /// <summary>The error code of a refusal.</summary>
    public string? RefusalCode { get; set; }
}
