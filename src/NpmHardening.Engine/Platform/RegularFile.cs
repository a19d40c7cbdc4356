using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Opens a file for reading only when it is a regular file, and never blocks doing so. Every file the module reads
    /// can be chosen by an ordinary user (~/.npmrc, a project's .npmrc or package.json, shell start-up files), and a
    /// FIFO in its place would block open(2) until a writer appears, a character device would block or never end the
    /// read: one user could stop a root <c>-AllUsers</c> audit for everyone.
    /// </summary>
    /// <remarks>
    /// <para><b>Unix</b>: stat(2) the path first; anything but a regular file is refused without being opened (opening
    /// some devices has effects of its own). Then open(2) with <c>O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC</c>: a FIFO
    /// swapped in after the stat opens at once instead of blocking, and fstat(2) of the descriptor must say regular file
    /// again, or it is closed unread. The descriptor keeps <c>O_NONBLOCK</c>, which regular files on disk ignore and
    /// which makes a procfs file such as /proc/kmsg fail instead of wait. Last, the path must still name the file that
    /// was opened (a second stat equal to the fstat); when it was replaced in between, the open is retried, and a file
    /// that keeps changing is an error. Status buffers come from the runtime's own shim (libSystem.Native), whose file
    /// type bits (<c>Mode</c>, second field) are the same on every Unix .NET runs on.</para>
    /// <para><b>Windows</b>: the file is opened as usual (CreateFile does not wait on a pipe or device) and GetFileType of
    /// the handle must be FILE_TYPE_DISK; a pipe, a console or a serial device is closed unread.</para>
    /// </remarks>
    internal static class RegularFile
    {
        private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Fifo = 0x1000, Character = 0x2000,
            Block = 0x6000, Socket = 0xC000;
        private const int Attempts = 3;

        /// <summary>The outcome of an open: a stream on a regular file, or why there is none.</summary>
        public readonly struct Opened
        {
            public Opened(FileStream? stream, FileReadStatus status, string? error)
            {
                Stream = stream; Status = status; Error = error;
            }
            public FileStream? Stream { get; }
            public FileReadStatus Status { get; }
            public string? Error { get; }
        }

        /// <param name="share">Windows only: what others may do with the file meanwhile (Unix has no share modes).</param>
        public static Opened Open(string path, int bufferSize, FileShare share = FileShare.ReadWrite | FileShare.Delete)
        {
            if (string.IsNullOrEmpty(path)) return new Opened(null, FileReadStatus.NotFound, null);
            return RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? OpenManaged(path, bufferSize, share, checkDiskType: true) : OpenUnix(path, bufferSize, share);
        }

        /// <summary>
        /// The same as an exception, for callers built on FileStream's: null stream for a missing file, IOException for a
        /// special file or an I/O error, UnauthorizedAccessException for a folder or a refusal.
        /// </summary>
        public static FileStream? OpenOrThrow(string path, int bufferSize, FileShare share)
        {
            var opened = Open(path, bufferSize, share);
            switch (opened.Status)
            {
                case FileReadStatus.Ok: return opened.Stream;
                case FileReadStatus.NotFound: return null;
                case FileReadStatus.IsDirectory:
                case FileReadStatus.AccessDenied: throw new UnauthorizedAccessException($"Access to the path '{path}' is denied ({opened.Error}).");
                default: throw new IOException($"'{path}': {opened.Error}", opened.Error == SharingViolation ? 32 : 0);
            }
        }

        /// <summary>Reads the whole file when it is a regular file of at most <paramref name="maxBytes"/>.</summary>
        public static FileReadResult ReadAll(string path, long maxBytes)
        {
            var opened = Open(path, 4096);
            if (opened.Stream == null) return FileReadResult.Failed(opened.Status, opened.Error ?? "the file cannot be opened");
            try
            {
                using var fs = opened.Stream;
                long length = fs.Length;
                if (length > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {length:N0} bytes", length);
                return FileReadResult.Ok(ReadToEnd(fs, length));
            }
            catch (UnauthorizedAccessException e) { return FileReadResult.Failed(FileReadStatus.AccessDenied, e.Message); }
            catch (IOException e) { return FileReadResult.Failed(FileReadStatus.IoError, e.Message); }
        }

        /// <summary>The file's bytes from the start: <paramref name="length"/> of them, fewer when it shrank meanwhile.</summary>
        public static byte[] ReadToEnd(FileStream fs, long length)
        {
            var buffer = new byte[length];
            int read = 0;
            while (read < buffer.Length)
            {
                int n = fs.Read(buffer, read, buffer.Length - read);
                if (n == 0) break;
                read += n;
            }
            if (read != buffer.Length) Array.Resize(ref buffer, read);
            return buffer;
        }

        /// <summary>stat(path) says regular file (links followed), as npm's <c>stat().isFile()</c>. Null: cannot tell (no shim).</summary>
        public static bool? IsRegular(string path)
        {
            var buffer = new byte[StatusSize];
            if (!UnixShim.TryStat(path, buffer, out _, out bool available)) return available ? false : (bool?)null;
            return (Mode(buffer) & TypeMask) == Regular;
        }

        /// <summary>"a FIFO (named pipe)", "a socket", …: what a non-regular file is, for messages.</summary>
        internal static string Describe(int mode)
        {
            switch (mode & TypeMask)
            {
                case Fifo: return "a FIFO (named pipe)";
                case Socket: return "a socket";
                case Character: return "a character device";
                case Block: return "a block device";
                case Directory: return "a directory";
                default: return "not a regular file";
            }
        }

        internal static string NotRegularMessage(string what) =>
            $"it is {what}, not a regular file; reading it could block forever, so it was not opened";

        // ------------------------------------------------------------------------------------------------ Unix

        // .NET's FileStatus is about 120 bytes today; Mode is the second 32-bit field in every version.
        private const int StatusSize = 512;
        private static int Mode(byte[] status) => BitConverter.ToInt32(status, 4);

        /// <summary>What .NET says when another process holds a file it opened with FileShare.None.</summary>
        internal const string SharingViolation = "The process cannot access the file because it is being used by another process.";

        private static Opened OpenUnix(string path, int bufferSize, FileShare share)
        {
            var before = new byte[StatusSize];
            var after = new byte[StatusSize];
            var again = new byte[StatusSize];
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                if (!UnixShim.TryStat(path, before, out int errno, out bool available))
                    return available ? FromErrno(errno) : OpenFallback(path, bufferSize);
                int mode = Mode(before);
                if ((mode & TypeMask) == Directory) return new Opened(null, FileReadStatus.IsDirectory, "the path is a directory");
                if ((mode & TypeMask) != Regular) return new Opened(null, FileReadStatus.NotRegularFile, NotRegularMessage(Describe(mode)));

                int fd = UnixOpen.ReadNonBlocking(path, out errno);
                if (fd == UnixOpen.Unsupported) return OpenFallback(path, bufferSize);
                if (fd < 0) return FromErrno(errno);
                var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
                bool keep = false;
                try
                {
                    if (!UnixShim.TryFStat(handle, after)) return new Opened(null, FileReadStatus.IoError, "fstat failed on the opened file");
                    int openedMode = Mode(after);
                    if ((openedMode & TypeMask) != Regular)
                        return new Opened(null, FileReadStatus.NotRegularFile, NotRegularMessage(Describe(openedMode)) + " (it was replaced while being opened)");
                    // the path must still name what was opened; an editor's atomic save in between is simply read again
                    if (!UnixShim.TryStat(path, again, out _, out _) || !Same(after, again)) continue;
                    // share modes as FileStream emulates them on Unix (an advisory flock), so a .NET writer's FileShare.None holds
                    if (!UnixShim.TryLock(handle, exclusive: share == FileShare.None))
                        return new Opened(null, FileReadStatus.IoError, SharingViolation);
                    var stream = new FileStream(handle, FileAccess.Read, bufferSize);
                    keep = true;
                    return new Opened(stream, FileReadStatus.Ok, null);
                }
                finally
                {
                    if (!keep) handle.Dispose();
                }
            }
            return new Opened(null, FileReadStatus.IoError, "the file was replaced each time it was opened");
        }

        private static bool Same(byte[] a, byte[] b)
        {
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static Opened FromErrno(int errno)
        {
            // ENOENT and ENOTDIR have the same numbers on Linux, macOS and the BSDs; so do EPERM and EACCES.
            switch (errno)
            {
                case 2: case 20: return new Opened(null, FileReadStatus.NotFound, null);
                case 1: case 13: return new Opened(null, FileReadStatus.AccessDenied, new Win32Exception(errno).Message);
                default: return new Opened(null, FileReadStatus.IoError, new Win32Exception(errno).Message);
            }
        }

        /// <summary>Without the runtime's shim or a known open(2) flag set: a plain open, after the type check when there was one.</summary>
        private static Opened OpenFallback(string path, int bufferSize) => OpenManaged(path, bufferSize, FileShare.ReadWrite | FileShare.Delete, checkDiskType: false);

        // ------------------------------------------------------------------------------------------------ Windows

        private static Opened OpenManaged(string path, int bufferSize, FileShare share, bool checkDiskType)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, share, bufferSize, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException) { return new Opened(null, FileReadStatus.NotFound, null); }
            catch (DirectoryNotFoundException) { return new Opened(null, FileReadStatus.NotFound, null); }
            catch (NotSupportedException) { return new Opened(null, FileReadStatus.NotRegularFile, NotRegularMessage("a device")); } // .NET Framework refuses devices itself
            catch (UnauthorizedAccessException e)
            {
                if (System.IO.Directory.Exists(path)) return new Opened(null, FileReadStatus.IsDirectory, "the path is a directory");
                return new Opened(null, FileReadStatus.AccessDenied, e.Message);
            }
            catch (IOException e)
            {
                if (System.IO.Directory.Exists(path)) return new Opened(null, FileReadStatus.IsDirectory, "the path is a directory");
                return new Opened(null, FileReadStatus.IoError, e.Message);
            }
            catch (ArgumentException e) { return new Opened(null, FileReadStatus.IoError, e.Message); }
            if (checkDiskType)
            {
                int type;
                try { type = WindowsNative.GetFileType(stream.SafeFileHandle); }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { type = WindowsNative.FileTypeDisk; }
                if (type != WindowsNative.FileTypeDisk)
                {
                    stream.Dispose();
                    var what = type == WindowsNative.FileTypePipe ? "a pipe" : type == WindowsNative.FileTypeChar ? "a character device" : "a device";
                    return new Opened(null, FileReadStatus.NotRegularFile, NotRegularMessage(what));
                }
            }
            return new Opened(stream, FileReadStatus.Ok, null);
        }

        private static class WindowsNative
        {
            public const int FileTypeDisk = 1, FileTypeChar = 2, FileTypePipe = 3;

            [DllImport("kernel32.dll", ExactSpelling = true)]
            public static extern int GetFileType(SafeFileHandle handle);
        }

        /// <summary>stat and fstat through the runtime's native shim, which fills .NET's portable FileStatus.</summary>
        private static class UnixShim
        {
            private static volatile bool _missing;

            public static bool TryStat(string path, byte[] status, out int errno, out bool available)
            {
                errno = 0;
                available = !_missing;
                if (_missing) return false;
                try
                {
                    int rc;
                    try { rc = Native.Stat(path, status); }
                    catch (EntryPointNotFoundException) { rc = Native.Stat2(path, status); } // .NET Core 2.x name
                    if (rc == 0) return true;
                    errno = Marshal.GetLastWin32Error();
                    return false;
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
                {
                    _missing = true;
                    available = false;
                    return false;
                }
            }

            public static bool TryFStat(SafeFileHandle handle, byte[] status)
            {
                try { return Native.FStat(handle, status) == 0; }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException) { return false; }
            }

            /// <summary>flock(LOCK_SH or LOCK_EX, non-blocking); false only when another holder conflicts (EWOULDBLOCK).</summary>
            public static bool TryLock(SafeFileHandle handle, bool exclusive)
            {
                const int Shared = 1, Exclusive = 2, NonBlocking = 4; // PAL_LOCK_*
                try
                {
                    if (Native.FLock(handle, (exclusive ? Exclusive : Shared) | NonBlocking) == 0) return true;
                    int errno = Marshal.GetLastWin32Error();
                    return errno != 11 && errno != 35; // EWOULDBLOCK (EAGAIN) on Linux and on macOS/BSD; other errors: no lock, as .NET does
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException) { return true; }
            }

            private static class Native
            {
                [DllImport("libSystem.Native", EntryPoint = "SystemNative_FLock", SetLastError = true)]
                public static extern int FLock(SafeFileHandle fd, int operation);

                [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
                public static extern int Stat(string path, [In, Out] byte[] fileStatus);

                [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat2", SetLastError = true)]
                public static extern int Stat2(string path, [In, Out] byte[] fileStatus);

                [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
                public static extern int FStat(SafeFileHandle fd, [In, Out] byte[] fileStatus);
            }
        }

        /// <summary>
        /// open(2) with O_NONBLOCK, which the runtime's shim does not offer. The flag values differ between Linux and the
        /// BSD family; on a system that is neither, <see cref="Unsupported"/> tells the caller to open the usual way.
        /// open is variadic: it is called with its two fixed arguments only, which every ABI passes the same way.
        /// </summary>
        private static class UnixOpen
        {
            public const int Unsupported = int.MinValue;
            private static volatile int _library; // 0 libc, 1 libc.so.6, 2 none

            private static int Flags()
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return 0x800 /* O_NONBLOCK */ | 0x100 /* O_NOCTTY */ | 0x80000 /* O_CLOEXEC */;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return 0x4 /* O_NONBLOCK */ | 0x20000 /* O_NOCTTY */ | 0x1000000 /* O_CLOEXEC */;
                return -1;
            }

            public static int ReadNonBlocking(string path, out int errno)
            {
                errno = 0;
                int flags = Flags();
                if (flags < 0 || _library == 2) return Unsupported;
                try
                {
                    int fd = _library == 0 ? Libc.open(path, flags) : Libc6.open(path, flags);
                    if (fd < 0) errno = Marshal.GetLastWin32Error();
                    return fd;
                }
                catch (DllNotFoundException) when (_library == 0)
                {
                    _library = 1;
                    return ReadNonBlocking(path, out errno);
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    _library = 2;
                    return Unsupported;
                }
            }

            private static class Libc
            {
                [DllImport("libc", SetLastError = true)]
                public static extern int open(string path, int flags);
            }

            private static class Libc6
            {
                [DllImport("libc.so.6", SetLastError = true)]
                public static extern int open(string path, int flags);
            }
        }
    }
}
