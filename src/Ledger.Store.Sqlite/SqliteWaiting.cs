using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// Makes SQLite's waits last milliseconds. The native library bundled by SQLitePCLRaw 2.0.6 (the newest
/// that restores here) was built without <c>HAVE_USLEEP</c>, which costs whole seconds twice over: its
/// default busy handler waits a full second before retrying a lock, and its unix VFS rounds every other
/// sleep (a reader that loses a race with a checkpoint retries after one) up to a second. Under load
/// both showed up as one-second tail latencies. Through SQLite's documented C API this class replaces
/// the unix VFS's sleep with libc's <c>usleep</c> and gives each connection a busy handler with SQLite's
/// own millisecond schedule, bounded by the connection's busy timeout.
/// </summary>
internal static unsafe class SqliteWaiting
{
    /// <summary>SQLite's schedule for systems that can sleep briefly (sqliteDefaultBusyCallback), in milliseconds.</summary>
    private static readonly int[] BusyDelaysMilliseconds = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

    private static int vfsSleepInstalled;

    /// <summary>Replaces the default unix VFS's sleep method; once per process, before any connection opens.</summary>
    public static void InstallVfsSleep()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        if (Interlocked.Exchange(ref vfsSleepInstalled, 1) != 0)
        {
            return;
        }

        var vfs = sqlite3_vfs_find(null);
        if (vfs is null || vfs->iVersion < 1 || Marshal.PtrToStringUTF8((IntPtr)vfs->zName) is not { } name || !name.StartsWith("unix", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("SQLite's default VFS is not the unix VFS this store expects.");
        }

        vfs->xSleep = &VfsSleep;
    }

    /// <summary>
    /// Makes a locked database wait up to <paramref name="busyTimeout"/> on SQLite's millisecond schedule.
    /// It replaces <c>PRAGMA busy_timeout</c>, whose handler is the one that sleeps whole seconds.
    /// </summary>
    public static void SetBusyHandler(SqliteConnection connection, TimeSpan busyTimeout)
    {
        var timeoutMilliseconds = checked((nint)(long)busyTimeout.TotalMilliseconds);
        var resultCode = sqlite3_busy_handler(connection.Handle!.DangerousGetHandle(), &WaitWhileBusy, timeoutMilliseconds);
        if (resultCode != 0)
        {
            throw new InvalidOperationException($"SQLite refused the busy handler (result code {resultCode}).");
        }
    }

    /// <summary>
    /// The total a handler has slept before its <paramref name="count"/>-th call, in milliseconds. Past the
    /// schedule's end every call waits the last delay, so the sum stays cheap however long the wait.
    /// </summary>
    private static long SleptBefore(int count)
    {
        var scheduled = Math.Min(count, BusyDelaysMilliseconds.Length);
        long slept = 0;
        for (var call = 0; call < scheduled; call++)
        {
            slept += BusyDelaysMilliseconds[call];
        }

        return slept + ((long)(count - scheduled) * BusyDelaysMilliseconds[^1]);
    }

    private static int DelayOf(int count) => BusyDelaysMilliseconds[Math.Min(count, BusyDelaysMilliseconds.Length - 1)];

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int WaitWhileBusy(nint timeoutMilliseconds, int count)
    {
        var delay = DelayOf(count);
        if (SleptBefore(count) + delay > timeoutMilliseconds)
        {
            return 0;
        }

        _ = usleep((uint)delay * 1000);
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int VfsSleep(Vfs* vfs, int microseconds)
    {
        _ = usleep((uint)Math.Max(microseconds, 0));
        return microseconds;
    }

    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern Vfs* sqlite3_vfs_find(byte* name);

    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(nint database, delegate* unmanaged[Cdecl]<nint, int, int> handler, nint argument);

    [DllImport("libc", SetLastError = false)]
    private static extern int usleep(uint microseconds);

    /// <summary>The leading fields of <c>struct sqlite3_vfs</c> (sqlite3.h), version 1, up to <c>xSleep</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Vfs
    {
        public int iVersion;
        public int szOsFile;
        public int mxPathname;
        public IntPtr pNext;
        public byte* zName;
        public IntPtr pAppData;
        public IntPtr xOpen;
        public IntPtr xDelete;
        public IntPtr xAccess;
        public IntPtr xFullPathname;
        public IntPtr xDlOpen;
        public IntPtr xDlError;
        public IntPtr xDlSym;
        public IntPtr xDlClose;
        public IntPtr xRandomness;
        public delegate* unmanaged[Cdecl]<Vfs*, int, int> xSleep;
    }
}
