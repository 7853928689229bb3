namespace Ledger.Cli;

/// <summary>The command line parsed, but what it asks cannot be sent (a URL that is not one, two credentials): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
