namespace Ledger.Cli.Tests.Infrastructure;

/// <summary>Account ids no other test uses, so tests can share one host.</summary>
internal static class Ids
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
