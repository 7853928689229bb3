using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Ledger.Cli;

/// <summary>
/// The options every command shares (where the ledger is, who is calling, how to print) and the option
/// shapes several commands reuse. The URL and the key also come from LEDGER_URL and LEDGER_API_KEY.
/// </summary>
internal static class CliOptions
{
    public const string UrlVariable = "LEDGER_URL";
    public const string ApiKeyVariable = "LEDGER_API_KEY";
    public const string TokenVariable = "LEDGER_TOKEN";
    public const string DefaultUrl = "http://localhost:5080";

    public static Option<string?> Url { get; } = new("--url")
    {
        Description = $"The ledger's base address [env: {UrlVariable}; default {DefaultUrl}]",
        Recursive = true,
    };

    public static Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"The app's API key, sent as X-Api-Key [env: {ApiKeyVariable}]",
        Recursive = true,
    };

    public static Option<string?> Token { get; } = new("--token")
    {
        Description = $"A bearer token instead of an API key [env: {TokenVariable}]",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the ledger's answer as JSON (for scripts) instead of a table",
        Recursive = true,
    };

    public static Option<int> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = "Seconds one call may take, its retries included",
        DefaultValueFactory = _ => 60,
        Recursive = true,
        CustomParser = result => (int)Math.Min(ParsePositive(result), int.MaxValue),
    };

    public static IEnumerable<Option> Global => [Url, ApiKey, Token, Json, TimeoutSeconds];

    /// <summary>The idempotency key of a write: give one to make re-running the command safe.</summary>
    public static Option<string?> IdempotencyKey() => new("--key", "-k")
    {
        Description = "The idempotency key (a new one when left out; give the same key to re-run safely)",
    };

    public static Option<string?> Text(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
    };

    /// <summary>An ISO-8601 instant; one without an offset is UTC, as the ledger reads it.</summary>
    public static Option<DateTimeOffset?> Instant(string name, string description) => new(name)
    {
        Description = description + " (ISO-8601; UTC when no offset is given)",
        CustomParser = ParseInstant,
    };

    /// <summary>A positive whole number of minor units.</summary>
    public static Argument<long> Amount(string description = "The amount, a positive whole number of minor units") => new("amount")
    {
        Description = description,
        CustomParser = ParsePositive,
    };

    public static Option<long?> OptionalAmount(string description) => new("--amount")
    {
        Description = description,
        CustomParser = result => ParsePositive(result),
    };

    private static DateTimeOffset? ParseInstant(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        result.AddError($"'{text}' is not an ISO-8601 instant such as 2026-12-01T10:00:00Z.");
        return null;
    }

    /// <summary>A positive whole number; anything else is a usage error naming the value.</summary>
    private static long ParsePositive(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        result.AddError($"{SymbolName(result)} must be a positive whole number, not '{text}'.");
        return 0;
    }

    private static string SymbolName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
