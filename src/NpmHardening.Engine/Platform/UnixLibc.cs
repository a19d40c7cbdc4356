using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace NpmHardening.Engine.Platform
{
    /// <summary>What <see cref="UnixLibc.Stat"/> reports of one file system object.</summary>
    internal readonly struct UnixStat
    {
        public UnixStat(ulong device, ulong inode, int mode, uint uid, uint gid, uint links, long size, long changeSeconds = 0, uint changeNanoseconds = 0)
        {
            Device = device; Inode = inode; Mode = mode; Uid = uid; Gid = gid; Links = links; Size = size;
            ChangeSeconds = changeSeconds; ChangeNanoseconds = changeNanoseconds;
        }

        /// <summary>st_ctime: moves on every change of owner, mode, ACL, link count (and, for a folder, of its entries).</summary>
        public long ChangeSeconds { get; }
        public uint ChangeNanoseconds { get; }
        /// <summary>The same object, unchanged in owner, mode and ACL since this status was taken.</summary>
        public bool SameObjectUnchanged(UnixStat other) =>
            SameObject(other) && ChangeSeconds == other.ChangeSeconds && ChangeNanoseconds == other.ChangeNanoseconds && Mode == other.Mode && Uid == other.Uid && Gid == other.Gid;

        public ulong Device { get; }
        public ulong Inode { get; }
        /// <summary>st_mode: the file type (S_IFMT) and the permission bits.</summary>
        public int Mode { get; }
        public uint Uid { get; }
        public uint Gid { get; }
        public uint Links { get; }
        public long Size { get; }

        public int FileType => Mode & 0xF000;
        public bool IsDirectory => FileType == 0x4000;
        public bool IsRegular => FileType == 0x8000;
        public bool IsSymbolicLink => FileType == 0xA000;
        public int Permissions => Mode & 0xFFF;
        public bool SameObject(UnixStat other) => Device == other.Device && Inode == other.Inode;

        /// <summary>"a FIFO", "a socket", … for messages.</summary>
        public string Describe() => FileType switch
        {
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x4000 => "a directory",
            0x6000 => "a block device",
            0x8000 => "a regular file",
            0xA000 => "a symbolic link",
            0xC000 => "a socket",
            _ => "a special file",
        };
    }

    /// <summary>
    /// The libc calls the descriptor-based file access needs (Linux with glibc or musl, macOS), declared once. Every call
    /// returns -1 and sets errno on failure, as libc does; the wrappers turn that into <see cref="UnixError"/> values.
    /// </summary>
    /// <remarks>
    /// Constants differ by OS and, on Linux, by architecture (x86-64 and most others use the asm-generic O_DIRECTORY
    /// and O_NOFOLLOW; arm and arm64 have their own), so they are chosen at start. <c>struct stat</c> differs too, so
    /// Linux uses <c>statx(2)</c>, whose layout is the same on every architecture, and macOS its one 64-bit-inode
    /// <c>struct stat</c>. <c>openat</c> is variadic: on Apple arm64 variadic arguments go on the stack, so the mode
    /// is passed after six padding arguments that fill the remaining argument registers.
    /// </remarks>
    internal static class UnixLibc
    {
        private const string Lib = "libc";

        public static readonly bool IsMac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
        private static readonly bool IsArm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm;
        private static readonly bool MacArm64 = IsMac && RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

        public static readonly int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
        public static readonly int O_CREAT = IsMac ? 0x200 : 0x40;
        public static readonly int O_EXCL = IsMac ? 0x800 : 0x80;
        public static readonly int O_NOCTTY = IsMac ? 0x20000 : 0x100;
        public static readonly int O_NONBLOCK = IsMac ? 0x4 : 0x800;
        public static readonly int O_DIRECTORY = IsMac ? 0x100000 : IsArm ? 0x4000 : 0x10000;
        public static readonly int O_NOFOLLOW = IsMac ? 0x100 : IsArm ? 0x8000 : 0x20000;
        public static readonly int O_CLOEXEC = IsMac ? 0x1000000 : 0x80000;
        /// <summary>Linux's O_PATH (a descriptor to walk from and act relative to, needing only search permission); O_RDONLY on macOS.</summary>
        public static readonly int O_PATH_OR_RDONLY = IsMac ? 0 : 0x200000;
        public static readonly int AT_SYMLINK_NOFOLLOW = IsMac ? 0x20 : 0x100;
        public static readonly int AT_FDCWD = IsMac ? -2 : -100;
        private static readonly int AT_EMPTY_PATH = 0x1000; // Linux only
        public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

        public static readonly int ENOENT = 2, EINTR = 4, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EPERM = 1, ENXIO = 6;
        public static readonly int EAGAIN = IsMac ? 35 : 11;
        public static readonly int ELOOP = IsMac ? 62 : 40;
        public static readonly int ENODATA = IsMac ? 93 : 61;
        public static readonly int ERANGE = 34;

        public static int Errno => Marshal.GetLastWin32Error();

        // ---- descriptors -------------------------------------------------------------------------------------------

        /// <summary>openat(2); -1 and errno on failure. Never follows a final link when <paramref name="flags"/> has O_NOFOLLOW.</summary>
        public static int OpenAt(int directory, string name, int flags, int mode = 0)
        {
            var bytes = Path(name);
            while (true)
            {
                int fd = MacArm64 ? Native.openat_stack(directory, bytes, flags, 0, 0, 0, 0, 0, mode) : Native.openat(directory, bytes, flags, mode);
                if (fd >= 0 || Errno != EINTR) return fd;
            }
        }

        public static void Close(int fd)
        {
            if (fd >= 0) Native.close(fd);
        }

        /// <summary>lstat relative to a directory (<paramref name="followLink"/> false) or stat; false and errno on failure.</summary>
        public static bool StatAt(int directory, string name, bool followLink, out UnixStat stat, out int errno)
        {
            int flags = followLink ? 0 : AT_SYMLINK_NOFOLLOW;
            var path = Path(name);
            if (IsMac)
            {
                var buffer = new byte[144];
                int rc = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? Native.fstatat_inode64(directory, path, buffer, flags) : Native.fstatat(directory, path, buffer, flags);
                return FromMacStat(rc, buffer, out stat, out errno);
            }
            var statx = StatxBuffer;
            int result = Native.statx(directory, path, flags, 0x7FF /* STATX_BASIC_STATS */, statx);
            return FromStatx(result, statx, out stat, out errno);
        }

        // statx's answer is decoded before the next call on the same thread: one buffer per thread, not one per call (a
        // tree scan makes hundreds of thousands of these calls)
        [ThreadStatic] private static byte[]? _statx;
        [ThreadStatic] private static byte[]? _xattr;
        private static byte[] StatxBuffer => _statx ??= new byte[256];
        private static readonly byte[] EmptyPath = { 0 };

        /// <summary>stat or lstat of a path (for callers that only look: nothing is opened or acted on by this path).</summary>
        public static bool Stat(string path, bool followLink, out UnixStat stat) => StatAt(AT_FDCWD, path, followLink, out stat, out _);

        /// <summary>fstat(2) of an open descriptor.</summary>
        public static bool FStat(int fd, out UnixStat stat, out int errno)
        {
            if (IsMac)
            {
                var buffer = new byte[144];
                int rc = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? Native.fstat_inode64(fd, buffer) : Native.fstat(fd, buffer);
                return FromMacStat(rc, buffer, out stat, out errno);
            }
            var statx = StatxBuffer;
            int result = Native.statx(fd, EmptyPath, AT_EMPTY_PATH, 0x7FF, statx);
            return FromStatx(result, statx, out stat, out errno);
        }

        private static bool FromStatx(int rc, byte[] b, out UnixStat stat, out int errno)
        {
            stat = default;
            errno = rc == 0 ? 0 : Errno;
            if (rc != 0) return false;
            uint links = BitConverter.ToUInt32(b, 16), uid = BitConverter.ToUInt32(b, 20), gid = BitConverter.ToUInt32(b, 24);
            int mode = BitConverter.ToUInt16(b, 28);
            ulong inode = BitConverter.ToUInt64(b, 32);
            long size = BitConverter.ToInt64(b, 40);
            ulong device = ((ulong)BitConverter.ToUInt32(b, 136) << 32) | BitConverter.ToUInt32(b, 140);
            stat = new UnixStat(device, inode, mode, uid, gid, links, size, BitConverter.ToInt64(b, 96), BitConverter.ToUInt32(b, 104));
            return true;
        }

        private static bool FromMacStat(int rc, byte[] b, out UnixStat stat, out int errno)
        {
            stat = default;
            errno = rc == 0 ? 0 : Errno;
            if (rc != 0) return false;
            stat = new UnixStat((uint)BitConverter.ToInt32(b, 0), BitConverter.ToUInt64(b, 8), BitConverter.ToUInt16(b, 4),
                BitConverter.ToUInt32(b, 16), BitConverter.ToUInt32(b, 20), BitConverter.ToUInt16(b, 6), BitConverter.ToInt64(b, 96),
                BitConverter.ToInt64(b, 64), (uint)BitConverter.ToInt64(b, 72));
            return true;
        }

        /// <summary>The text of the link <paramref name="name"/> in <paramref name="directory"/>; null and errno on failure.</summary>
        public static string? ReadLinkAt(int directory, string name, out int errno)
        {
            var path = Path(name);
            for (int size = 256; size <= 1 << 16; size *= 4)
            {
                var buffer = new byte[size];
                var n = (long)Native.readlinkat(directory, path, buffer, (UIntPtr)size);
                if (n < 0) { errno = Errno; return null; }
                if (n < size) { errno = 0; return Encoding.UTF8.GetString(buffer, 0, (int)n); }
            }
            errno = ERANGE;
            return null;
        }

        public static int FChown(int fd, uint uid, uint gid) => Retry(() => Native.fchown(fd, uid, gid));
        public static int FChmod(int fd, int mode) => Retry(() => Native.fchmod(fd, mode));
        public static int FSync(int fd) => Retry(() => Native.fsync(fd));
        public static int RenameAt(int fromDirectory, string from, int toDirectory, string to) =>
            Native.renameat(fromDirectory, Path(from), toDirectory, Path(to));
        public static int UnlinkAt(int directory, string name, bool directoryEntry = false) =>
            Native.unlinkat(directory, Path(name), directoryEntry ? (IsMac ? 0x80 : 0x200) : 0);
        public static int MkdirAt(int directory, string name, int mode) => Native.mkdirat(directory, Path(name), mode);
        public static int Flock(int fd, int operation) => Native.flock(fd, operation);

        /// <summary>write(2) of the whole buffer, retrying short writes and EINTR; false and errno on failure.</summary>
        public static bool WriteAll(int fd, byte[] buffer, int offset, int count, out int errno)
        {
            errno = 0;
            while (count > 0)
            {
                long n;
                var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                try { n = (long)Native.write(fd, IntPtr.Add(pin.AddrOfPinnedObject(), offset), (UIntPtr)count); }
                finally { pin.Free(); }
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    errno = Errno;
                    return false;
                }
                offset += (int)n; count -= (int)n;
            }
            return true;
        }

        /// <summary>read(2) into the buffer; the count read (0 at the end), or -1 and errno.</summary>
        public static int Read(int fd, byte[] buffer, int offset, int count)
        {
            while (true)
            {
                long n;
                var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                try { n = (long)Native.read(fd, IntPtr.Add(pin.AddrOfPinnedObject(), offset), (UIntPtr)count); }
                finally { pin.Free(); }
                if (n >= 0 || Errno != EINTR) return (int)n;
            }
        }

        /// <summary>The raw value of an extended attribute of an open file (Linux); null when it has none or cannot be read.</summary>
        public static byte[]? GetXattr(int fd, string name)
        {
            if (IsMac) return null;
            var key = Path(name);
            // most files have no ACL (ENODATA): the first try reads into the thread's buffer, copied out on success
            var buffer = _xattr ??= new byte[512];
            byte[]? viaProc = null;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                // an O_PATH descriptor takes no fgetxattr: the same object through /proc/self/fd instead
                var n = viaProc == null ? (long)Native.fgetxattr(fd, key, buffer, (UIntPtr)buffer.Length) : (long)Native.getxattr(viaProc, key, buffer, (UIntPtr)buffer.Length);
                if (n < 0 && viaProc == null && Errno == 9 /* EBADF */)
                {
                    viaProc = Path(DescriptorPath(fd));
                    attempt--;
                    continue;
                }
                if (n >= 0)
                {
                    var value = new byte[n];
                    Array.Copy(buffer, value, n);
                    return value;
                }
                if (Errno != ERANGE) return null;
                buffer = new byte[buffer.Length * 8];
            }
            return null;
        }

        public static uint EffectiveUserId => Native.geteuid();

        /// <summary>Every group of <paramref name="user"/> (getgrouplist, through NSS): the primary one first.</summary>
        public static uint[] GroupsOf(string user, uint primaryGroup)
        {
            int count = 64;
            for (int attempt = 0; attempt < 6; attempt++)
            {
                var groups = new uint[count];
                int n = count;
                if (Native.getgrouplist(user, primaryGroup, groups, ref n) >= 0)
                {
                    Array.Resize(ref groups, n);
                    return groups;
                }
                count = Math.Max(n, count * 4);
            }
            return new[] { primaryGroup };
        }

        /// <summary>The home folder of a uid in the passwd database (pw_dir); null when unknown.</summary>
        public static string? HomeOf(uint uid)
        {
            // pw_dir follows pw_gecos on Linux; macOS has pw_change (time_t) and pw_class before pw_gecos.
            int offset = IsMac ? 2 * IntPtr.Size + 8 + 8 + 2 * IntPtr.Size : 2 * IntPtr.Size + 8 + IntPtr.Size;
            return PasswdField(uid, p => Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(p, offset)));
        }

        private static string? PasswdField(uint uid, Func<IntPtr, string?> read) =>
            NssLookup((record, buffer, size) => { int rc = Native.getpwuid_r(uid, record, buffer, size, out var r); return (rc, r); }, read);

        /// <summary>
        /// One reentrant NSS lookup (getpwuid_r, getgrgid_r): the record and its string buffer, grown while the answer is
        /// ERANGE; <paramref name="read"/> takes what it needs from the record. Null when there is no entry.
        /// </summary>
        private static string? NssLookup(Func<IntPtr, IntPtr, UIntPtr, (int Rc, IntPtr Result)> call, Func<IntPtr, string?> read)
        {
            var record = Marshal.AllocHGlobal(256);
            try
            {
                for (int size = 1024; size <= 1 << 20; size *= 4)
                {
                    var buffer = Marshal.AllocHGlobal(size);
                    try
                    {
                        var (rc, result) = call(record, buffer, (UIntPtr)size);
                        if (rc == ERANGE) continue;
                        if (rc != 0 || result == IntPtr.Zero) return null;
                        var value = read(record);
                        return string.IsNullOrEmpty(value) ? null : value;
                    }
                    finally { Marshal.FreeHGlobal(buffer); }
                }
                return null;
            }
            finally { Marshal.FreeHGlobal(record); }
        }

        /// <summary>The account name and primary group of a uid (getpwuid_r: passwd files, LDAP, whatever NSS answers); null when unknown.</summary>
        public static (string Name, uint Gid)? Account(uint uid)
        {
            // struct passwd starts char* pw_name; char* pw_passwd; uid_t pw_uid; gid_t pw_gid on Linux and macOS alike.
            (string, uint)? account = null;
            PasswdField(uid, p =>
            {
                var name = Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(p, 0));
                if (!string.IsNullOrEmpty(name)) account = (name!, (uint)Marshal.ReadInt32(p, 2 * IntPtr.Size + 4));
                return name;
            });
            return account;
        }

        /// <summary>The name of a gid (getgrgid_r); null when unknown.</summary>
        public static string? GroupName(uint gid) =>
            // struct group starts char* gr_name on Linux and macOS alike.
            NssLookup((record, buffer, size) => { int rc = Native.getgrgid_r(gid, record, buffer, size, out var r); return (rc, r); },
                record => Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(record, 0)));

        /// <summary>d_type values of getdents64 (Linux): what the folder itself records for each entry's kind.</summary>
        public const byte DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

        // a libc without getdents64 (glibc before 2.30, musl without its LFS64 names) answers EntryPointNotFound once
        private static bool _noGetdents = IsMac;
        [ThreadStatic] private static byte[]? _direntBuffer;

        /// <summary>
        /// Linux: the entries of the folder open for reading at <paramref name="fd"/> (not O_PATH, and not read from
        /// before: the descriptor's offset is used) with the kind the folder records for each (d_type, DT_UNKNOWN where
        /// the file system does not keep it), "." and ".." left out. One getdents64 per 32 KiB of entries, instead of a
        /// listing through /proc/self/fd and an lstat per entry. Null on macOS, with a libc that lacks getdents64, and
        /// on any failure: the caller then lists the other way.
        /// </summary>
        public static List<(string Name, byte Type)>? ReadDirectory(int fd)
        {
            if (_noGetdents) return null;
            var buffer = _direntBuffer ??= new byte[32 * 1024];
            var entries = new List<(string, byte)>();
            while (true)
            {
                long n;
                try { n = (long)Native.getdents64(fd, buffer, (UIntPtr)buffer.Length); }
                catch (EntryPointNotFoundException) { _noGetdents = true; return null; }
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    return null;
                }
                if (n == 0) return entries;
                // struct linux_dirent64, the same on every Linux architecture: u64 d_ino, s64 d_off, u16 d_reclen,
                // u8 d_type, then the NUL-terminated name
                for (int offset = 0; offset < n;)
                {
                    int length = BitConverter.ToUInt16(buffer, offset + 16);
                    if (length < 20 || offset + length > n) return null;
                    int start = offset + 19;
                    int end = Array.IndexOf(buffer, (byte)0, start, offset + length - start);
                    if (end < 0) end = offset + length;
                    bool dots = end - start <= 2 && buffer[start] == (byte)'.' && (end - start == 1 || buffer[start + 1] == (byte)'.');
                    if (!dots) entries.Add((Encoding.UTF8.GetString(buffer, start, end - start), buffer[offset + 18]));
                    offset += length;
                }
            }
        }

        /// <summary>A path of the open directory that names it through the descriptor itself, for listing it.</summary>
        public static string DescriptorPath(int fd) => (IsMac ? "/dev/fd/" : "/proc/self/fd/") + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private static int Retry(Func<int> call)
        {
            while (true)
            {
                int rc = call();
                if (rc == 0 || Errno != EINTR) return rc;
            }
        }

        /// <summary>A NUL-terminated UTF-8 path (names are bytes to the kernel; .NET strings are UTF-16).</summary>
        private static byte[] Path(string name)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(name) + 1];
            Encoding.UTF8.GetBytes(name, 0, name.Length, bytes, 0);
            return bytes;
        }

        /// <summary>strerror for messages: the common errno names, else the number.</summary>
        public static string Describe(int errno)
        {
            if (errno == ENOENT) return "no such file or directory";
            if (errno == EACCES) return "permission denied";
            if (errno == EPERM) return "operation not permitted";
            if (errno == ELOOP) return "a symbolic link where none may be";
            if (errno == ENOTDIR) return "not a directory";
            if (errno == EISDIR) return "is a directory";
            if (errno == EEXIST) return "already exists";
            if (errno == ENXIO) return "no such device or address";
            return "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        private static class Native
        {
            [DllImport(Lib, SetLastError = true)]
            public static extern int openat(int dirfd, byte[] path, int flags, int mode);

            /// <summary>openat with the variadic mode where Apple arm64 reads it: on the stack, after the eight argument registers.</summary>
            [DllImport(Lib, EntryPoint = "openat", SetLastError = true)]
            public static extern int openat_stack(int dirfd, byte[] path, int flags, long pad3, long pad4, long pad5, long pad6, long pad7, int mode);

            [DllImport(Lib, SetLastError = true)]
            public static extern int close(int fd);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr getdents64(int fd, [Out] byte[] buffer, UIntPtr count);

            [DllImport(Lib, SetLastError = true)]
            public static extern int statx(int dirfd, byte[] path, int flags, uint mask, [Out] byte[] buffer);

            [DllImport(Lib, SetLastError = true)]
            public static extern int fstatat(int dirfd, byte[] path, [Out] byte[] buffer, int flags);

            [DllImport(Lib, EntryPoint = "fstatat$INODE64", SetLastError = true)]
            public static extern int fstatat_inode64(int dirfd, byte[] path, [Out] byte[] buffer, int flags);

            [DllImport(Lib, SetLastError = true)]
            public static extern int fstat(int fd, [Out] byte[] buffer);

            [DllImport(Lib, EntryPoint = "fstat$INODE64", SetLastError = true)]
            public static extern int fstat_inode64(int fd, [Out] byte[] buffer);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr readlinkat(int dirfd, byte[] path, [Out] byte[] buffer, UIntPtr size);

            [DllImport(Lib, SetLastError = true)]
            public static extern int fchown(int fd, uint owner, uint group);

            [DllImport(Lib, SetLastError = true)]
            public static extern int fchmod(int fd, int mode);

            [DllImport(Lib, SetLastError = true)]
            public static extern int fsync(int fd);

            [DllImport(Lib, SetLastError = true)]
            public static extern int renameat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath);

            [DllImport(Lib, SetLastError = true)]
            public static extern int unlinkat(int dirfd, byte[] path, int flags);

            [DllImport(Lib, SetLastError = true)]
            public static extern int mkdirat(int dirfd, byte[] path, int mode);

            [DllImport(Lib, SetLastError = true)]
            public static extern int flock(int fd, int operation);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr write(int fd, IntPtr buffer, UIntPtr count);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr read(int fd, IntPtr buffer, UIntPtr count);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr fgetxattr(int fd, byte[] name, [Out] byte[] value, UIntPtr size);

            [DllImport(Lib, SetLastError = true)]
            public static extern IntPtr getxattr(byte[] path, byte[] name, [Out] byte[] value, UIntPtr size);

            [DllImport(Lib)]
            public static extern uint geteuid();

            [DllImport(Lib, SetLastError = true)]
            public static extern int getgrouplist([MarshalAs(UnmanagedType.LPStr)] string user, uint group, [Out] uint[] groups, ref int ngroups);

            [DllImport(Lib, SetLastError = true)]
            public static extern int getgrgid_r(uint gid, IntPtr group, IntPtr buffer, UIntPtr size, out IntPtr result);

            [DllImport(Lib, SetLastError = true)]
            public static extern int getpwuid_r(uint uid, IntPtr passwd, IntPtr buffer, UIntPtr size, out IntPtr result);
        }
    }
}
