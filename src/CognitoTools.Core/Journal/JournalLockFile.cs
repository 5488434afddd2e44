using System;
using System.IO;
using System.Runtime.InteropServices;

namespace CognitoTools.Journal
{
    /// <summary>
    /// The journal's lock outside Windows: a file beside it (journal path + ".lock") held open with an exclusive
    /// flock(2) for the whole batch. flock belongs to the open file description, so it is not dropped when this process
    /// opens and closes the journal elsewhere (Get-Content or Import-Csv in another runspace), as fcntl record locks are,
    /// and the kernel releases it when the process dies however it ends. The journal itself is not flock'ed exclusively:
    /// .NET takes a shared flock when another program opens it to read, and that must keep working. The lock file is
    /// left in place (deleting it would let a waiter and a newcomer hold two different files).
    /// </summary>
    internal sealed class JournalLockFile : IDisposable
    {
        public const string Suffix = ".lock";
        private const int LockExclusive = 2;   // LOCK_EX
        private const int LockNonBlocking = 4; // LOCK_NB
        private readonly FileStream _stream;

        private JournalLockFile(FileStream stream, string path)
        {
            _stream = stream;
            Path = path;
        }

        public string Path { get; }

        /// <summary>Whether this platform uses a lock file (everything but Windows, whose sharing modes lock the journal itself).</summary>
        public static bool IsUsed => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Takes the lock of <paramref name="journalPath"/>; <see cref="JournalException"/> Locked when another batch holds it.</summary>
        public static JournalLockFile Acquire(string journalPath, Func<Exception, JournalException> locked)
        {
            var path = journalPath + Suffix;
            FileStream stream;
            try
            {
                // FileShare.None: .NET takes an exclusive flock itself where it locks files (.NET Core); the explicit flock
                // below covers runtimes that do not (Mono) or where .NET's locking is turned off.
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException error) when (!(error is FileNotFoundException) && !(error is DirectoryNotFoundException) && !(error is PathTooLongException))
            {
                throw locked(error);
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException || error is NotSupportedException || error is ArgumentException)
            {
                throw new JournalException(JournalException.Unusable, journalPath, $"The journal's lock file '{path}' cannot be created: {error.Message}", error);
            }
            try
            {
                if (TryFlock(stream) == LockResult.HeldElsewhere)
                {
                    throw locked(new IOException($"The lock file '{path}' is locked by another process."));
                }
                return new JournalLockFile(stream, path);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        private enum LockResult { Locked, HeldElsewhere, NotSupported }

        private static LockResult TryFlock(FileStream stream)
        {
            var handle = stream.SafeFileHandle;
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                var fd = handle.DangerousGetHandle().ToInt32();
                int result, errno;
                try
                {
                    result = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? LinuxLibc.flock(fd, LockExclusive | LockNonBlocking) : Libc.flock(fd, LockExclusive | LockNonBlocking);
                    errno = Marshal.GetLastWin32Error();
                }
                catch (DllNotFoundException)
                {
                    result = Libc.flock(fd, LockExclusive | LockNonBlocking);
                    errno = Marshal.GetLastWin32Error();
                }
                if (result == 0) return LockResult.Locked;
                // EWOULDBLOCK: 11 on Linux, 35 on macOS and the BSDs. Anything else (ENOLCK, ENOTSUP on some network
                // file systems): no lock to be had here; .NET's own (FileShare.None) is what is left.
                return errno == 11 || errno == 35 ? LockResult.HeldElsewhere : LockResult.NotSupported;
            }
            catch (Exception error) when (error is DllNotFoundException || error is EntryPointNotFoundException)
            {
                return LockResult.NotSupported;
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        public void Dispose() => _stream.Dispose();

        // glibc's real file name: "libc.so" is a linker script that dlopen cannot load.
        private static class LinuxLibc
        {
            [DllImport("libc.so.6", SetLastError = true)]
            public static extern int flock(int fd, int operation);
        }

        private static class Libc
        {
            [DllImport("libc", SetLastError = true)]
            public static extern int flock(int fd, int operation);
        }
    }
}
