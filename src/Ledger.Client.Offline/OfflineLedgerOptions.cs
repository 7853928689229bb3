namespace Ledger.Client.Offline;

/// <summary>What a catalog operation does to a balance, for the local view: credit or debit, of a fixed amount or the request's.</summary>
public sealed record OperationEffect(bool Credit, long? FixedAmount = null)
{
    /// <summary>The signed change for a request carrying <paramref name="amount"/>; null when neither says how much.</summary>
    public long? DeltaFor(long? amount) => (FixedAmount ?? amount) is { } value ? (Credit ? value : checked(-value)) : null;
}

public sealed class OfflineLedgerOptions
{
    /// <summary>
    /// The catalog as the local view needs it: the shared operations every app supports; add the app's own.
    /// A queued operation missing here counts as an unknown effect (<see cref="LocalBalance.HasUnknownEffects"/>).
    /// </summary>
    public Dictionary<string, OperationEffect> Operations { get; } = new(StringComparer.Ordinal)
    {
        ["DAILY_REWARD"] = new(Credit: true, FixedAmount: 1),
        ["SIGNUP_CREDIT"] = new(Credit: true, FixedAmount: 3),
        ["CREDIT_SPEND"] = new(Credit: false, FixedAmount: 1),
        ["CREDIT_ADD"] = new(Credit: true, FixedAmount: 10),
    };

    /// <summary>How long a device's claim to replay the queue lasts without being renewed (it is renewed before every send).</summary>
    public TimeSpan ReplayLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This device's name in the lease row; a new one per <see cref="OfflineLedger"/> when left out.</summary>
    public string? DeviceId { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
