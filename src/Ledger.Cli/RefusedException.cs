namespace Ledger.Cli;

/// <summary>
/// The ledger answered, but not with what the command needs (an export that failed, for instance): exit
/// code 3 with <see cref="Code"/>, like a refusal the ledger states as a problem document.
/// </summary>
public sealed class RefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
