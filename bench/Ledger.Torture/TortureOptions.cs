using System.Globalization;

namespace Ledger.Torture;

/// <summary>What one torture run does; every knob is bounded so a typo cannot run for a day.</summary>
internal sealed record TortureOptions
{
    public int Cycles { get; init; } = 100;

    public required string HostAssembly { get; init; }

    public int Workers { get; init; } = 16;

    public int Accounts { get; init; } = 12;

    /// <summary>Load runs a random time between these before each kill.</summary>
    public TimeSpan MinLoad { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxLoad { get; init; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>How long a saga (transfer, capture, refund) or an export may take to end after a restart.</summary>
    public TimeSpan SettleBound { get; init; } = TimeSpan.FromSeconds(30);

    public int Seed { get; init; } = Environment.TickCount;

    public string? ReportPath { get; init; }

    public static TortureOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index + 1 < args.Length; index += 2)
        {
            if (!args[index].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Expected an option, got '{args[index]}'.");
            }

            values[args[index][2..]] = args[index + 1];
        }

        if (args.Length % 2 != 0)
        {
            throw new ArgumentException($"Option '{args[^1]}' has no value.");
        }

        var options = new TortureOptions
        {
            HostAssembly = values.TryGetValue("host", out var host) ? Path.GetFullPath(host) : throw new ArgumentException("--host <path to Ledger.Host.dll> is required."),
            Cycles = Bounded(values, "cycles", 100, 1, 10_000),
            Workers = Bounded(values, "workers", 16, 1, 256),
            Accounts = Bounded(values, "accounts", 12, 2, 1_000),
            Seed = Bounded(values, "seed", Environment.TickCount & int.MaxValue, 0, int.MaxValue),
            ReportPath = values.GetValueOrDefault("report"),
        };
        return File.Exists(options.HostAssembly) ? options : throw new ArgumentException($"No host assembly at '{options.HostAssembly}'.");
    }

    private static int Bounded(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"--{name} must be a whole number from {min} to {max}.");
    }
}
