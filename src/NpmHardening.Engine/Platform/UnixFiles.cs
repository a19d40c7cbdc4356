using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// File operations relative to an open folder descriptor, shared by the reads, the write targets and the private
    /// folder on Unix: nothing here takes a path through more than one component, and nothing follows a link.
    /// </summary>
    internal static class UnixFiles
    {
        public const string TempMarker = ".npmhardening-";
        public const string LockSuffix = ".npmhardening.lock";

        /// <summary>
        /// Reads <paramref name="name"/> in <paramref name="folder"/>: refuses anything but a regular file before opening
        /// it (a FIFO or device is never opened, so it can never block), opens it without following a link and without
        /// blocking, checks it is the object lstat saw, and that every principal may read it.
        /// </summary>
        /// <param name="lstat">what the caller's own lstat of <paramref name="name"/> in <paramref name="folder"/> just
        /// said, when it took one to judge the entry: the file opened must then be that object (no second lstat)</param>
        /// <param name="aclForCaller">whether the caller wants the file's ACL back (to say who controls the file). When
        /// false, the ACL (an fgetxattr) is read only if a principal's read permission must be checked against it, and
        /// the ACL returned is null when it was not read.</param>
        /// <param name="trim">false: <c>Bytes</c> may be longer than the file, whose bytes are the first <c>Count</c> (no
        /// copy to the exact size, for a caller that only decodes them); true: <c>Bytes</c> is exactly the file.</param>
        /// <returns>The bytes and the file's status; null when the file does not exist.</returns>
        public static (byte[] Bytes, int Count, UnixStat Stat, IReadOnlyList<PosixAclEntry>? Acl)? ReadAt(int folder, string name, IEnumerable<FilePrincipal> principals,
            long maxBytes, string path, bool honourLocks = false, UnixStat? lstat = null, bool aclForCaller = true, bool trim = true)
        {
            int errno;
            UnixStat seen;
            if (lstat is UnixStat given) seen = given;
            else if (!UnixLibc.StatAt(folder, name, false, out seen, out errno))
            {
                if (errno == UnixLibc.ENOENT) return null;
                throw UnixPathWalker.Failure(path, path, errno);
            }
            RequireRegular(seen, path);
            int fd = UnixLibc.OpenAt(folder, name, UnixLibc.O_RDONLY | UnixLibc.O_NOFOLLOW | UnixLibc.O_NONBLOCK | UnixLibc.O_NOCTTY | UnixLibc.O_CLOEXEC);
            if (fd < 0)
            {
                errno = UnixLibc.Errno;
                if (errno == UnixLibc.ENOENT) return null;
                if (errno == UnixLibc.ELOOP) throw Changed(path);
                throw UnixPathWalker.Failure(path, path, errno);
            }
            try
            {
                if (!UnixLibc.FStat(fd, out var stat, out errno)) throw UnixPathWalker.Failure(path, path, errno);
                if (!stat.SameObject(seen)) throw Changed(path);
                RequireRegular(stat, path);
                // another process that opened it for exclusive use (.NET's FileShare.None is flock LOCK_EX on Unix) is not raced
                if (honourLocks)
                {
                    if (UnixLibc.Flock(fd, UnixLibc.LOCK_SH | UnixLibc.LOCK_NB) != 0 && UnixLibc.Errno == UnixLibc.EAGAIN)
                        throw new IOException($"{path} is being used by another process (it holds an exclusive lock on it).");
                }
                // the ACL decides what a principal may read (a named user's entry can deny what the mode bits allow);
                // with no principal to check and no caller asking, nothing would look at it
                var acl = aclForCaller || Any(principals) ? UnixAccessCheck.ParseAcl(UnixLibc.GetXattr(fd, "system.posix_acl_access")) : null;
                foreach (var p in principals)
                    if (!UnixAccessCheck.Allows(p, stat, acl, UnixAccess.Read))
                        throw new SafePathException(SafePathError.NotPermittedForPrincipal, path,
                            $"{path} is not readable by {p}; NpmHardening does not read for an account (or through a path it controls) what that account could not read itself.");
                if (stat.Size > maxBytes)
                    throw new SafePathException(SafePathError.IoError, path, $"{path} is {stat.Size:N0} bytes, over the {maxBytes:N0} bytes read.") { };
                if (trim)
                {
                    var bytes = ReadAll(fd, stat.Size, maxBytes, path, regularFile: true);
                    return (bytes, bytes.Length, stat, acl);
                }
                var (buffer, count) = BoundedRead.ToEndUntrimmed((b, o, c) => UnixLibc.Read(fd, b, o, c), stat.Size, maxBytes, path,
                    () => UnixPathWalker.Failure(path, path, UnixLibc.Errno), regularFile: true);
                return (buffer, count, stat, acl);
            }
            finally { UnixLibc.Close(fd); }
        }

        private static bool Any(IEnumerable<FilePrincipal> principals)
        {
            if (principals is ICollection<FilePrincipal> collection) return collection.Count > 0;
            using var e = principals.GetEnumerator();
            return e.MoveNext();
        }

        /// <summary>Reads to the end, at most <paramref name="maxBytes"/> (a file that grows past it is an error, not a truncation).</summary>
        /// <param name="regularFile">the descriptor is a regular file whose size is <paramref name="expected"/>: a read that
        /// stops short at exactly that size is its end (see <see cref="BoundedRead.ToEnd"/>)</param>
        public static byte[] ReadAll(int fd, long expected, long maxBytes, string path, bool regularFile = false) =>
            BoundedRead.ToEnd((b, o, c) => UnixLibc.Read(fd, b, o, c), expected, maxBytes, path, () => UnixPathWalker.Failure(path, path, UnixLibc.Errno), regularFile);

        public static void RequireRegular(UnixStat stat, string path)
        {
            if (stat.IsRegular) return;
            if (stat.IsDirectory) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a directory, not a file.");
            throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is {stat.Describe()}, not a regular file; NpmHardening never opens it.");
        }

        public static SafePathException Changed(string path) =>
            new SafePathException(SafePathError.Changed, path, $"{path} was replaced while it was being opened; nothing was read from or written to it. Run again.");

        /// <summary>
        /// An exclusive lock on <c>&lt;name&gt;.npmhardening.lock</c> in <paramref name="folder"/>: created 0600 read-only and
        /// never through a link (an existing lock file must be a regular file with one name), flock'd without blocking,
        /// retried with backoff. The holder unlinks it before letting go, so a lock on a file no longer at the name is
        /// dropped and retried.
        /// </summary>
        public static IDisposable Lock(int folder, string name, string path, TimeSpan timeout)
        {
            var lockName = name + LockSuffix;
            var lockPath = path + LockSuffix;
            var deadline = DateTime.UtcNow + timeout;
            var random = new Random(Guid.NewGuid().GetHashCode());
            int delay = 5;
            while (true)
            {
                int fd = UnixLibc.OpenAt(folder, lockName, UnixLibc.O_RDONLY | UnixLibc.O_CREAT | UnixLibc.O_NOFOLLOW | UnixLibc.O_NONBLOCK | UnixLibc.O_NOCTTY | UnixLibc.O_CLOEXEC, 0x180);
                if (fd < 0)
                {
                    int errno = UnixLibc.Errno;
                    if (errno == UnixLibc.ELOOP)
                        throw new SafePathException(SafePathError.NotARegularFile, lockPath, $"{lockPath} is a symbolic link; NpmHardening never follows one for its lock. Remove it.");
                    if (errno == UnixLibc.EACCES || errno == UnixLibc.EPERM) throw new UnauthorizedAccessException($"{lockPath}: {UnixLibc.Describe(errno)}");
                    throw UnixPathWalker.Failure(lockPath, lockPath, errno);
                }
                bool keep = false;
                try
                {
                    if (!UnixLibc.FStat(fd, out var stat, out var e)) throw UnixPathWalker.Failure(lockPath, lockPath, e);
                    if (!stat.IsRegular)
                        throw new SafePathException(SafePathError.NotARegularFile, lockPath, $"{lockPath} is {stat.Describe()}, not a lock file NpmHardening made. Remove it.");
                    if (stat.Links > 1)
                        throw new SafePathException(SafePathError.HardLinked, lockPath, $"{lockPath} has {stat.Links} names (a hard link to another file); NpmHardening does not use it as a lock. Remove it.");
                    // no name at all: the previous holder unlinked it after we opened it; retry with the next one
                    if (stat.Links == 1 && UnixLibc.Flock(fd, UnixLibc.LOCK_EX | UnixLibc.LOCK_NB) == 0)
                    {
                        // the previous holder may have unlinked it after we opened it: only the file still at the name counts
                        if (UnixLibc.StatAt(folder, lockName, false, out var now, out _) && now.SameObject(stat))
                        {
                            keep = true;
                            return new LockHandle(folder, lockName, fd, stat);
                        }
                    }
                }
                finally
                {
                    if (!keep) UnixLibc.Close(fd);
                }
                if (DateTime.UtcNow >= deadline) throw new TimeoutException($"{lockPath} is held by another process.");
                Thread.Sleep(delay + random.Next(delay));
                delay = Math.Min(delay * 2, 200);
            }
        }

        private sealed class LockHandle : IDisposable
        {
            private readonly int _folder;
            private readonly string _name;
            private int _fd;
            private readonly UnixStat _stat;

            public LockHandle(int folder, string name, int fd, UnixStat stat) { _folder = folder; _name = name; _fd = fd; _stat = stat; }

            public void Dispose()
            {
                var fd = Interlocked.Exchange(ref _fd, -1);
                if (fd < 0) return;
                // Unlink while still holding the lock (and only our own file): whoever locks the old file next sees it is gone.
                if (UnixLibc.StatAt(_folder, _name, false, out var now, out _) && now.SameObject(_stat)) UnixLibc.UnlinkAt(_folder, _name);
                UnixLibc.Close(fd);
            }
        }

        /// <summary>A fresh temporary name beside <paramref name="name"/>.</summary>
        public static string TempName(string name) => name + TempMarker + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp";

        /// <summary>
        /// Creates a temporary file exclusively (never through a link) in <paramref name="folder"/>, gives it its owner and
        /// mode through the descriptor, writes and flushes the content, runs <paramref name="beforeCommit"/>, then renames it
        /// over <paramref name="name"/> in the same folder and flushes the folder. The temporary file is removed on failure.
        /// </summary>
        public static void ReplaceAt(int folder, string name, string path, byte[] content, uint? uid, uint? gid, int mode,
            Func<Stream, Stream>? wrap, Action? beforeCommit, List<string> warnings)
        {
            var temp = TempName(name);
            int fd = UnixLibc.OpenAt(folder, temp, UnixLibc.O_WRONLY | UnixLibc.O_CREAT | UnixLibc.O_EXCL | UnixLibc.O_NOFOLLOW | UnixLibc.O_CLOEXEC, 0x180);
            if (fd < 0)
            {
                int errno = UnixLibc.Errno;
                if (errno == UnixLibc.EACCES || errno == UnixLibc.EPERM) throw new UnauthorizedAccessException($"{path}: creating a temporary file beside it was refused ({UnixLibc.Describe(errno)})");
                throw UnixPathWalker.Failure(path, path, errno);
            }
            bool committed = false;
            try
            {
                if (uid.HasValue && gid.HasValue && UnixLibc.FChown(fd, uid.Value, gid.Value) != 0)
                {
                    int errno = UnixLibc.Errno;
                    warnings.Add(errno == UnixLibc.EPERM
                        ? $"owner {uid}:{gid} could not be kept (not permitted: only root can give a file to another user); the file is now owned by the account that ran NpmHardening."
                        : $"owner {uid}:{gid} could not be kept ({UnixLibc.Describe(errno)}).");
                }
                // never set-id or sticky on a config file, whatever the old file had
                if (UnixLibc.FChmod(fd, mode & 0x1FF) != 0) warnings.Add($"its permissions ({Convert.ToString(mode & 0x1FF, 8)}) could not be set ({UnixLibc.Describe(UnixLibc.Errno)}).");
                using (var raw = new UnixDescriptorStream(fd, path))
                using (var stream = wrap != null ? wrap(raw) : raw)
                {
                    stream.Write(content, 0, content.Length);
                    stream.Flush();
                }
                if (UnixLibc.FSync(fd) != 0) throw new IOException($"{path}: flushing the new content to disk failed ({UnixLibc.Describe(UnixLibc.Errno)}).");
                beforeCommit?.Invoke();
                if (UnixLibc.RenameAt(folder, temp, folder, name) != 0)
                {
                    int errno = UnixLibc.Errno;
                    if (errno == UnixLibc.EACCES || errno == UnixLibc.EPERM) throw new UnauthorizedAccessException($"{path}: replacing it was refused ({UnixLibc.Describe(errno)})");
                    throw new IOException($"{path}: replacing it failed ({UnixLibc.Describe(errno)}).");
                }
                committed = true;
                SyncFolder(folder);
                // whoever controls the folder can swap the temporary name for something else before the rename: then what
                // now sits at the name is theirs, not what was written, and saying "written" would be a lie
                if (!UnixLibc.FStat(fd, out var mine, out _) || !UnixLibc.StatAt(folder, name, false, out var there, out _) || !there.SameObject(mine))
                    throw new IOException($"{path}: the temporary file was replaced by another process before it took the file's place; the new content was not written. Run again.");
            }
            finally
            {
                UnixLibc.Close(fd);
                if (!committed) UnixLibc.UnlinkAt(folder, temp);
            }
        }

        /// <summary>
        /// Makes a rename or unlink in the folder durable. The walk holds folders as O_PATH descriptors, which fsync
        /// refuses, so the folder is opened again through its own descriptor; a folder that cannot be synced (some file
        /// systems) is not an error.
        /// </summary>
        public static void SyncFolder(int folder)
        {
            int fd = UnixLibc.OpenAt(folder, ".", UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_CLOEXEC);
            if (fd < 0) return;
            UnixLibc.FSync(fd);
            UnixLibc.Close(fd);
        }

        /// <summary>Names in the open folder (listed through the descriptor, never through the path).</summary>
        public static IEnumerable<string> List(int folder)
        {
            string[] names;
            try { names = Directory.GetFileSystemEntries(UnixLibc.DescriptorPath(folder)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { yield break; }
            foreach (var n in names) yield return System.IO.Path.GetFileName(n);
        }

        /// <summary>Removes this account's temporary files beside <paramref name="name"/> (others' files are left alone).</summary>
        public static void RemoveStaleTemporaryFiles(int folder, string name)
        {
            var prefix = name + TempMarker;
            foreach (var entry in List(folder))
            {
                if (!entry.StartsWith(prefix, StringComparison.Ordinal) || !entry.EndsWith(".tmp", StringComparison.Ordinal)) continue;
                if (UnixLibc.StatAt(folder, entry, false, out var st, out _) && st.IsRegular && st.Uid == UnixAccounts.EffectiveUserId)
                    UnixLibc.UnlinkAt(folder, entry);
            }
        }

        /// <summary>The process umask, read without changing it (Linux: /proc/self/status); 022 when it cannot be read.</summary>
        public static int Umask
        {
            get
            {
                try
                {
                    foreach (var line in File.ReadAllLines("/proc/self/status"))
                        if (line.StartsWith("Umask:", StringComparison.Ordinal))
                            return Convert.ToInt32(line.Substring(6).Trim(), 8);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException) { }
                return 0x12;
            }
        }

        public static string Octal(int mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');

        internal static string Id(uint id) => id.ToString(CultureInfo.InvariantCulture);
    }
}
