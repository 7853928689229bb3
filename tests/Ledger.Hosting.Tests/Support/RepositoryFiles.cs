using System.Reflection;

namespace Ledger.Hosting.Tests.Support;

/// <summary>The repository's own files, for tests that check source and settings files the build does not compile.</summary>
internal static class RepositoryFiles
{
    public const string SolutionFile = "Ledger.slnx";

    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath)
        => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relativePath)
    {
        var path = PathOf(relativePath);
        Assert.True(File.Exists(path), $"Expected the file {relativePath} at {path}.");
        return File.ReadAllText(path);
    }

    /// <summary>
    /// Walks up from the test's base directory until <see cref="SolutionFile"/> is found. When the build
    /// output is outside the tree (LEDGER_ARTIFACTS), falls back to the root recorded at build time.
    /// </summary>
    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        var recorded = typeof(RepositoryFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, SolutionFile)))
        {
            return recorded;
        }

        throw new InvalidOperationException($"No {SolutionFile} above {AppContext.BaseDirectory}, nor at the recorded root '{recorded}'.");
    }
}
