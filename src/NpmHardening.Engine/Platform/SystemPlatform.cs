using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The real machine. Files are read through <see cref="UnixPathWalker"/> (descriptors) or <see cref="WindowsPathWalker"/>
    /// (handles): a FIFO, socket or device is never opened, and a read is refused when an account that controls the path,
    /// or one this view reads for (<see cref="Principals"/>), could not read the file itself.
    /// </summary>
    public sealed class SystemPlatform : IPlatform
    {
        public static readonly SystemPlatform Instance = new SystemPlatform(Array.Empty<FilePrincipal>());

        private SystemPlatform(IReadOnlyList<FilePrincipal> principals)
        {
            IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            Principals = principals;
        }

        public bool IsWindows { get; }
        public string MachineName => System.Environment.MachineName;
        public NodePath Path => IsWindows ? NodePath.Win32 : NodePath.Posix;
        public IReadOnlyList<FilePrincipal> Principals { get; }

        public IPlatform As(IReadOnlyList<FilePrincipal> principals) => ForPrincipals(principals);

        private SystemPlatform ForPrincipals(IReadOnlyList<FilePrincipal> principals)
        {
            if (principals == null || principals.Count == 0) return this;
            var merged = new List<FilePrincipal>(Principals);
            foreach (var p in principals) if (!merged.Contains(p)) merged.Add(p);
            return merged.Count == Principals.Count ? this : new SystemPlatform(merged);
        }

        public IReadOnlyList<FilePrincipal> OwnerOf(string folder)
        {
            if (string.IsNullOrEmpty(folder)) return Array.Empty<FilePrincipal>();
            try
            {
                if (IsWindows)
                {
                    var sid = UserProfiles.WindowsProfileSid(folder);
                    if (sid == null) return Array.Empty<FilePrincipal>();
                    return WindowsPathWalker.IsTrusted(sid) ? Array.Empty<FilePrincipal>() : new[] { FilePrincipal.WindowsAccount(sid) };
                }
                var owners = new List<FilePrincipal>();
                if (UnixLibc.Stat(folder, true, out var st) && !UnixAccounts.IsTrusted(st.Uid))
                    owners.Add(FilePrincipal.UnixUser(st.Uid, UnixAccounts.NameOf(st.Uid)));
                // npm runs as the account whose home this is, which need not own the folder (a home root provisioned and
                // kept, as for chrooted accounts): a file only root can read there is no setting of that account's npm
                foreach (var uid in UnixHomeAccounts(folder))
                {
                    var account = FilePrincipal.UnixUser(uid, UnixAccounts.NameOf(uid));
                    if (!UnixAccounts.IsTrusted(uid) && !owners.Contains(account)) owners.Add(account);
                }
                return owners;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return Array.Empty<FilePrincipal>(); }
        }

        /// <summary>The uids /etc/passwd gives <paramref name="folder"/> as their home (compared without trailing slashes).</summary>
        private static IEnumerable<uint> UnixHomeAccounts(string folder)
        {
            var wanted = folder.Length > 1 ? folder.TrimEnd('/') : folder;
            if (wanted == "/") yield break; // the home of many service accounts, and of root in some containers
            string text;
            try { text = File.ReadAllText("/etc/passwd"); }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { yield break; }
            // An array grown by hand: List<uint> is framework code over a value type that no ReadyToRun image holds,
            // JIT-compiled on the first audit of every process (issue 10 F).
            var uids = new uint[4];
            var count = 0;
            foreach (var entry in PasswdFile.Parse(text))
            {
                var home = entry.Home.Length > 1 ? entry.Home.TrimEnd('/') : entry.Home;
                if (entry.Uid >= 0 && entry.Uid <= uint.MaxValue && string.Equals(home, wanted, StringComparison.Ordinal))
                {
                    if (count == uids.Length)
                    {
                        var larger = new uint[count * 2];
                        Array.Copy(uids, larger, count);
                        uids = larger;
                    }
                    uids[count++] = (uint)entry.Uid;
                }
            }
            // the operator's own home: its own runs are not done for anybody else
            for (var i = 0; i < count; i++) if (uids[i] == UnixAccounts.EffectiveUserId) yield break;
            for (var i = 0; i < count; i++) yield return uids[i];
        }

        public IReadOnlyDictionary<string, string> Environment
        {
            get
            {
                var env = EnvironmentMap.Create(IsWindows);
                foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                    env[(string)e.Key] = (string?)e.Value ?? "";
                return env;
            }
        }

        public string? OsHomeDirectory
        {
            get
            {
                // libuv's uv_os_homedir: USERPROFILE on Windows; HOME else the passwd entry on Unix.
                if (IsWindows) return System.Environment.GetEnvironmentVariable("USERPROFILE");
                var home = System.Environment.GetEnvironmentVariable("HOME");
                if (!string.IsNullOrEmpty(home)) return home;
                var profile = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
                return string.IsNullOrEmpty(profile) ? null : profile;
            }
        }

        public string CurrentDirectory => Directory.GetCurrentDirectory();

        public bool FileExists(string path) => Kind(path) == EntryKind.File;

        public bool DirectoryExists(string path) => Kind(path) == EntryKind.Directory;

        private enum EntryKind { None, File, Directory, Other }

        /// <summary>stat(path) as this view's principals would see it (links followed, every folder searchable for them).</summary>
        private EntryKind Kind(string path)
        {
            if (string.IsNullOrEmpty(path)) return EntryKind.None;
            try
            {
                var full = System.IO.Path.GetFullPath(path);
                if (IsWindows)
                {
                    using var w = WindowsPathWalker.Open(full, Principals);
                    return w.Entry is WindowsNative.FileInfo i ? (i.IsDirectory ? EntryKind.Directory : EntryKind.File) : EntryKind.None;
                }
                using var u = UnixPathWalker.Probe(full, Principals);
                return u?.Entry is UnixStat st ? (st.IsDirectory ? EntryKind.Directory : st.IsRegular ? EntryKind.File : EntryKind.Other) : EntryKind.None;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return EntryKind.None;
            }
        }

        /// <summary>
        /// The entries of a folder (their own kinds: a link is a link), as this view's principals could list it: the folder
        /// is reached by the same walk as a file, and every principal must be able to read it. Null when it cannot be listed.
        /// </summary>
        public IReadOnlyList<DirectoryEntry>? ListDirectory(string path)
        {
            try
            {
                var full = System.IO.Path.GetFullPath(path);
                if (IsWindows)
                {
                    using var w = WindowsPathWalker.Open(full, Principals);
                    if (!(w.Entry is WindowsNative.FileInfo i) || !i.IsDirectory) return null;
                    var list = new List<DirectoryEntry>();
                    foreach (var info in new DirectoryInfo(w.PhysicalPath).EnumerateFileSystemInfos())
                        list.Add(new DirectoryEntry(info.Name, KindOf(info.Attributes)));
                    return list;
                }
                using var held = HoldUnixFolder(full);
                return held?.Entries;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        /// <summary>
        /// Unix: the folder at <paramref name="path"/> opened as <see cref="ListDirectory"/> opens it (the same walk, the
        /// same checks, the same entries) and held, so that its files can be read through its descriptor
        /// (<see cref="UnixHeldFolder.Read"/>); the caller disposes it. Null where <see cref="ListDirectory"/> gives null,
        /// and always on Windows.
        /// </summary>
        internal UnixHeldFolder? HoldFolder(string path)
        {
            if (IsWindows) return null;
            try { return HoldUnixFolder(System.IO.Path.GetFullPath(path)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        private UnixHeldFolder? HoldUnixFolder(string full)
        {
            using var u = UnixPathWalker.Probe(full, Principals);
            if (u?.Entry is not UnixStat st || !st.IsDirectory) return null;
            int fd = UnixLibc.OpenAt(u.Folder, u.Name, UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_NOFOLLOW | UnixLibc.O_CLOEXEC);
            if (fd < 0) return null;
            var principals = u.Principals;
            var keep = false;
            try
            {
                if (!UnixLibc.FStat(fd, out var opened, out _) || !opened.SameObject(st)) return null;
                var acl = UnixAccessCheck.AclIfNeeded(fd, opened, principals.Count > 0);
                foreach (var p in principals) if (!UnixAccessCheck.Allows(p, opened, acl, UnixAccess.Read | UnixAccess.Execute)) return null;
                keep = true;
                return new UnixHeldFolder(fd, opened, acl, principals, Principals, u.PhysicalPath, UnixHeldFolder.ListEntries(fd));
            }
            finally { if (!keep) UnixLibc.Close(fd); }
        }

        /// <summary>lstat(path)'s kind, as this view's principals could see it (the last component's own kind: a link is a link).</summary>
        public FileEntryKind GetEntryKind(string path)
        {
            try
            {
                var full = System.IO.Path.GetFullPath(path);
                if (IsWindows)
                {
                    using var w = WindowsPathWalker.Open(full, Principals, followFinalLink: false);
                    return w.Entry is WindowsNative.FileInfo i ? (i.IsLink ? FileEntryKind.SymbolicLink : i.IsDirectory ? FileEntryKind.Directory : FileEntryKind.File) : FileEntryKind.Missing;
                }
                using var u = UnixPathWalker.Open(full, Principals, followFinalLink: false);
                return u.Entry is UnixStat st ? (st.IsSymbolicLink ? FileEntryKind.SymbolicLink : st.IsDirectory ? FileEntryKind.Directory : FileEntryKind.File) : FileEntryKind.Missing;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is ArgumentException || e is NotSupportedException)
            {
                return FileEntryKind.Missing;
            }
        }

        private static FileEntryKind KindOf(FileAttributes attributes) =>
            (attributes & FileAttributes.ReparsePoint) != 0 ? FileEntryKind.SymbolicLink
            : (attributes & FileAttributes.Directory) != 0 ? FileEntryKind.Directory
            : FileEntryKind.File;

        public FileReadResult ReadFile(string path, long maxBytes)
        {
            try
            {
                var full = System.IO.Path.GetFullPath(path);
                return IsWindows ? ReadWindows(full, maxBytes) : ReadUnix(full, maxBytes);
            }
            catch (SafePathException e)
            {
                switch (e.Error)
                {
                    case SafePathError.NotFound:
                    case SafePathError.NotADirectory:
                        return FileReadResult.Missing();
                    case SafePathError.NotARegularFile:
                        return e.Message.Contains(" is a directory")
                            ? FileReadResult.Failed(FileReadStatus.IsDirectory, "the path is a directory")
                            : FileReadResult.Failed(FileReadStatus.NotRegularFile, e.Message);
                    case SafePathError.AccessDenied:
                    case SafePathError.NotPermittedForPrincipal:
                        return FileReadResult.Failed(FileReadStatus.AccessDenied, e.Message);
                    case SafePathError.HardLinked:
                        return FileReadResult.Failed(FileReadStatus.UnsafeLink, e.Message);
                    default:
                        return FileReadResult.Failed(FileReadStatus.IoError, e.Message);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return FileReadResult.Failed(e is UnauthorizedAccessException ? FileReadStatus.AccessDenied : FileReadStatus.IoError, e.Message);
            }
        }

        private FileReadResult ReadUnix(string full, long maxBytes)
        {
            using var opened = UnixPathWalker.Probe(full, Principals);
            if (opened == null) return FileReadResult.Missing();
            if (opened.Entry is UnixStat st && st.Size > maxBytes && st.IsRegular)
                return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {st.Size:N0} bytes", st.Size);
            var read = UnixFiles.ReadAt(opened.Folder, opened.Name, opened.Principals, maxBytes, full);
            if (read == null) return FileReadResult.Missing();
            var controlledBy = new List<FilePrincipal>(opened.Principals.Where(p => !Principals.Contains(p)));
            foreach (var p in UnixAccessCheck.ContentControllers(read.Value.Stat, read.Value.Acl, UnixAccounts.IsTrusted))
                if (!controlledBy.Contains(p)) controlledBy.Add(p);
            return FileReadResult.Ok(read.Value.Bytes, controlledBy, opened.PhysicalPath);
        }

        private FileReadResult ReadWindows(string full, long maxBytes)
        {
            using var opened = WindowsPathWalker.Open(full, Principals);
            if (opened.Entry is WindowsNative.FileInfo info)
            {
                if (info.IsDirectory) return FileReadResult.Failed(FileReadStatus.IsDirectory, "the path is a directory");
                if (info.Size > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {info.Size:N0} bytes", info.Size);
            }
            var read = WindowsFiles.Read(opened.PhysicalPath, maxBytes, refuseHardLinks: opened.Principals.Count > 0);
            if (read == null) return FileReadResult.Missing();
            return FileReadResult.Ok(read.Value.Bytes, opened.Principals.Where(p => !Principals.Contains(p)).ToList());
        }

        public (DateTime LastWriteUtc, long Length)? GetFileStamp(string path)
        {
            if (!FileExists(path)) return null;
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? (info.LastWriteTimeUtc, info.Length) : ((DateTime, long)?)null;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        public Stream? OpenRead(string path)
        {
            try
            {
                var full = System.IO.Path.GetFullPath(path);
                if (IsWindows)
                {
                    using var w = WindowsPathWalker.Open(full, Principals);
                    if (!(w.Entry is WindowsNative.FileInfo i) || i.IsDirectory || i.IsLink) return null;
                    return new FileStream(w.PhysicalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
                }
                using var u = UnixPathWalker.Open(full, Principals);
                if (!(u.Entry is UnixStat st) || !st.IsRegular) return null;
                int fd = UnixLibc.OpenAt(u.Folder, u.Name, UnixLibc.O_RDONLY | UnixLibc.O_NOFOLLOW | UnixLibc.O_NONBLOCK | UnixLibc.O_NOCTTY | UnixLibc.O_CLOEXEC);
                if (fd < 0) return null;
                if (!UnixLibc.FStat(fd, out var opened, out _) || !opened.SameObject(st) || u.Principals.Any(p => !UnixAccessCheck.Allows(p, opened, null, UnixAccess.Read)))
                {
                    UnixLibc.Close(fd);
                    return null;
                }
                return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)fd, true), FileAccess.Read, 1 << 16);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException) { return null; }
        }

        public string RealPath(string path)
        {
            // netstandard2.0 has no link APIs; on Unix we ask libc, on Windows GetFinalPathNameByHandle is
            // not needed for npm's own paths (npm itself does not realpath on Windows).
            if (IsWindows) return path;
            return RealPathOrNull(path) ?? path;
        }

        /// <summary>realpath(3), or null when it fails (a dangling link, a missing component).</summary>
        private static string? RealPathOrNull(string path)
        {
            try
            {
                var p = NativeMethods.realpath(path, IntPtr.Zero);
                if (p == IntPtr.Zero) return null;
                try { return Marshal.PtrToStringAnsi(p); }
                finally { NativeMethods.free(p); }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return path;
            }
        }

        public string? FindExecutable(string name, IReadOnlyDictionary<string, string> environment)
            => ExecutableSearch.Find(this, name, environment);

        // Implemented in FileAccessReader.cs, UserProfiles.cs and PersistentEnvironment.cs beside this file.
        public FileAccessInfo? GetFileAccess(string path) => FileAccessReader.Read(this, path);
        public IEnumerable<UserProfileInfo> EnumerateUserProfiles() => UserProfiles.Enumerate(this);
        public IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user) =>
            // another user's start-up files are read as that user: a link in their home cannot show root's files
            PersistentEnvironment.Read(user != null ? ForPrincipals(OwnerOf(user.HomeDirectory)) : this, scope, user);

        private static class NativeMethods
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr realpath(string path, IntPtr resolved);

            [DllImport("libc")]
            public static extern void free(IntPtr ptr);
        }
    }

    /// <summary>PATH search shared by the real and fake platforms.</summary>
    public static class ExecutableSearch
    {
        public static string? Find(IPlatform platform, string name, IReadOnlyDictionary<string, string> environment)
        {
            var pathVar = EnvironmentMap.Get(environment, "PATH") ?? "";
            var separator = platform.IsWindows ? ';' : ':';
            var extensions = new List<string> { "" };
            if (platform.IsWindows)
            {
                extensions.Clear();
                var pathext = EnvironmentMap.Get(environment, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD";
                foreach (var e in pathext.Split(';')) if (e.Length > 0) extensions.Add(e.ToLowerInvariant());
                if (System.IO.Path.HasExtension(name)) extensions.Insert(0, "");
            }
            foreach (var dir in pathVar.Split(separator))
            {
                if (dir.Length == 0) continue;
                var d = dir.Trim('"');
                foreach (var ext in extensions)
                {
                    var candidate = platform.Path.Resolve(platform.CurrentDirectory, d, name + ext);
                    if (platform.FileExists(candidate)) return candidate;
                }
            }
            return null;
        }
    }
}
