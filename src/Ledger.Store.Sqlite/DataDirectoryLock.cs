namespace Ledger.Store.Sqlite;

/// <summary>
/// Keeps a second store, in this process or another, from opening the same data directory. SQLite's own
/// locks would let two hosts take turns writing one file, and each would then run its own change-feed
/// consumers (publishing every notification twice) and re-drive the same sagas. The lock is an exclusive
/// <c>flock</c> on <see cref="FileName"/> (what .NET takes for <see cref="FileShare.None"/> on Unix; a
/// share lock on Windows), so the kernel releases it when the holder exits, even by kill -9, and a
/// stale file never blocks a restart.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "ledger.lock";

    private readonly FileStream file;

    private DataDirectoryLock(FileStream file) => this.file = file;

    /// <summary>Takes the directory's lock, or throws <see cref="DataDirectoryInUseException"/> when another store holds it.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        try
        {
            return new DataDirectoryLock(new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
        }
        catch (IOException exception) when (IsHeldByAnother(exception))
        {
            throw new DataDirectoryInUseException(directory, exception);
        }
    }

    /// <summary>
    /// Whether the open failed on the lock alone: .NET reports the lock's own error code, EWOULDBLOCK from
    /// flock on Unix (11 on Linux, 35 on macOS), a sharing or lock violation on Windows. Any other failure
    /// (a read-only or full disk) is not "in use" and goes up as it is.
    /// </summary>
    private static bool IsHeldByAnother(IOException exception)
        => OperatingSystem.IsWindows()
            ? exception.HResult is unchecked((int)0x80070020) or unchecked((int)0x80070021)
            : exception.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    public void Dispose() => file.Dispose();
}

/// <summary>Another ledger store (this process or another one) has the data directory open.</summary>
public sealed class DataDirectoryInUseException(string dataDirectory, Exception inner)
    : IOException($"The data directory '{dataDirectory}' is in use by another ledger process ({DataDirectoryLock.FileName} is locked). Stop that process or choose another data directory.", inner)
{
    public string DataDirectory { get; } = dataDirectory;
}
