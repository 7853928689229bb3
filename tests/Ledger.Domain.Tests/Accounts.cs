namespace Ledger.Domain.Tests;

/// <summary>Builds account states for rule tests without going through a store.</summary>
internal static class Accounts
{
    public static readonly AppId App = AppId.From("app1");
    public static readonly OwnerId Owner = OwnerId.From("owner-1");
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public static AccountState Open(string id = "acc-1", long floor = 0) => AccountState.Open(AccountId.From(id), App, Owner, floor, null, T0).Value;

    public static AccountState With(long balance, long pendingDebits = 0, long floor = 0, AccountStatus status = AccountStatus.Open, string id = "acc-1")
        => Open(id, floor) with { Balance = balance, PendingDebits = pendingDebits, Status = status, IssuanceContraBalance = -balance };

    public static PostingInstruction Mint(long amount, string nonce = "n1") => Instruction(TransactionKind.Mint, Direction.Credit, amount, nonce);

    public static PostingInstruction Burn(long amount, string nonce = "n1") => Instruction(TransactionKind.Burn, Direction.Debit, amount, nonce);

    public static PostingInstruction Instruction(TransactionKind kind, Direction direction, long amount, string nonce) => new()
    {
        TransactionId = TransactionId.Derive(App, IdempotencyKey.From(nonce), "posting"),
        Kind = kind,
        Direction = direction,
        Amount = Amount.From(amount),
        Details = TransactionDetails.From(kind == TransactionKind.Mint ? "credit_purchase" : "creator_payout"),
    };
}
