namespace Ledger.Dashboard.Tests.Infrastructure;

/// <summary>The system's Chromium (Debian's <c>chromium</c> package), which Playwright drives instead of a browser it downloads.</summary>
public static class SystemChromium
{
    public static string? ExecutablePath { get; } = Find("chromium", "chromium-browser", "google-chrome");

    private static string? Find(params string[] names)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return names.SelectMany(name => directories.Select(directory => Path.Combine(directory, name))).FirstOrDefault(File.Exists);
    }
}

/// <summary>A browser test: skipped, saying why, only when no Chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (SystemChromium.ExecutablePath is null)
        {
            Skip = "Chromium is not installed (apt-get install -y chromium; .ci/run installs it when missing)";
        }
    }
}
