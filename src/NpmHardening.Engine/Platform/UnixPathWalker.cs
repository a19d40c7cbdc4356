using System;
using System.Collections.Generic;
using System.Linq;

namespace NpmHardening.Engine.Platform
{
    /// <summary>Why a path could not be opened safely.</summary>
    public enum SafePathError
    {
        NotFound,
        NotADirectory,
        /// <summary>A principal that controls part of the path (or is audited) may not do what was asked.</summary>
        NotPermittedForPrincipal,
        /// <summary>The account running NpmHardening itself was refused.</summary>
        AccessDenied,
        TooManyLinks,
        /// <summary>A folder or file was replaced while it was being opened.</summary>
        Changed,
        NotARegularFile,
        /// <summary>The file has more than one name (a hard link) where another account could have made it.</summary>
        HardLinked,
        /// <summary>Refused by policy (a folder that must be private is not).</summary>
        Untrusted,
        IoError,
    }

    /// <summary>A path refused by the descriptor-based file access; the message names the path and the reason.</summary>
    public sealed class SafePathException : System.IO.IOException
    {
        public SafePathException(SafePathError error, string path, string message) : base(message)
        {
            Error = error; Path = path;
        }

        /// <summary>With the operating system's error as the HResult, where the caller must tell causes of one kind apart
        /// (a Windows sharing violation is <see cref="SafePathError.Changed"/> on a walk, but a held file when reading it).</summary>
        public SafePathException(SafePathError error, string path, string message, int hresult) : base(message, hresult)
        {
            Error = error; Path = path;
        }

        public SafePathError Error { get; }
        public string Path { get; }
    }

    /// <summary>
    /// A path opened down to its last component: the descriptor of the folder that holds it (every folder on the way
    /// was opened relative to its parent without following links, and links were read and followed by hand), the
    /// entry's name in that folder, and the principals whose permissions bound what may be done there. Disposing
    /// closes the folder.
    /// </summary>
    internal sealed class UnixOpenedPath : IDisposable
    {
        private IReadOnlyList<PosixAclEntry>? _folderAcl;
        private bool _aclRead;

        internal UnixOpenedPath(string requested, int folder, UnixStat folderStat, string folderPath, string name, UnixStat? entry, HashSet<FilePrincipal> principals, bool finalLinkFollowed = false)
        {
            Requested = requested; Folder = folder; FolderStat = folderStat; FolderPath = folderPath;
            Name = name; Entry = entry; Principals = principals; FinalLinkFollowed = finalLinkFollowed;
        }

        /// <summary>The path's last component was a symbolic link, and the walk went on to what it points to.</summary>
        public bool FinalLinkFollowed { get; }

        public string Requested { get; }
        public int Folder { get; private set; }
        public UnixStat FolderStat { get; }

        /// <summary>The folder's POSIX ACL (Linux), read on first use.</summary>
        public IReadOnlyList<PosixAclEntry>? FolderAcl
        {
            get
            {
                if (!_aclRead) { _folderAcl = UnixAccessCheck.ReadAcl(Folder); _aclRead = true; }
                return _folderAcl;
            }
        }
        /// <summary>The folder's physical path (links resolved).</summary>
        public string FolderPath { get; }
        public string Name { get; }
        /// <summary>The final entry (never a link unless the walk was asked not to follow the last one); null when missing.</summary>
        public UnixStat? Entry { get; }
        /// <summary>Explicit principals and everyone who controls a folder or link on the way (empty: only trusted accounts).</summary>
        public HashSet<FilePrincipal> Principals { get; }
        public string PhysicalPath => Name == "." ? FolderPath : FolderPath == "/" ? "/" + Name : FolderPath + "/" + Name;

        public void Dispose()
        {
            UnixLibc.Close(Folder);
            Folder = -1;
        }
    }

    /// <summary>
    /// Opens paths the way sudoedit and systemd-tmpfiles do when they act for other users: from "/" downwards, one
    /// component at a time with <c>openat(O_NOFOLLOW|O_DIRECTORY)</c>, comparing each opened folder with what lstat saw
    /// (a swap in between is an error, never a redirection), reading symbolic links with readlinkat and walking their
    /// targets the same way. Whoever could have changed a step — the owner of a folder, a group or everyone when it is
    /// writable for them, the owner of an entry in a sticky folder, the owner of a link — becomes a principal of the
    /// walk, and every principal must be able to search every folder on the way. What is then done at the end (read,
    /// write) is done only when every principal could have done it too: a user's link or folder can never lead the
    /// module anywhere that user could not go.
    /// </summary>
    internal static class UnixPathWalker
    {
        private const int MaxLinks = 40; // Linux's MAXSYMLINKS
        private const int Attempts = 3;

        /// <summary>Opens <paramref name="path"/> (absolute) for an operation on its last component.</summary>
        /// <exception cref="SafePathException">A folder on the way is missing, is not a folder, changed, or may not be searched.</exception>
        public static UnixOpenedPath Open(string path, IEnumerable<FilePrincipal>? principals, bool followFinalLink = true) =>
            Open(path, principals, followFinalLink, probe: false)!;

        /// <summary>
        /// Like <see cref="Open(string, IEnumerable{FilePrincipal}?, bool)"/>, but a folder on the way that does not exist
        /// (or is not a folder) gives null instead of an exception: existence checks are most of npm's lookups.
        /// </summary>
        public static UnixOpenedPath? Probe(string path, IEnumerable<FilePrincipal>? principals) => Open(path, principals, true, probe: true);

        private static UnixOpenedPath? Open(string path, IEnumerable<FilePrincipal>? principals, bool followFinalLink, bool probe)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/') throw new ArgumentException("An absolute path is required.", nameof(path));
            var initial = principals?.ToList() ?? new List<FilePrincipal>();
            for (int attempt = 1; ; attempt++)
            {
                try { return Walk(path, initial, followFinalLink, probe); }
                catch (SafePathException e) when (e.Error == SafePathError.Changed && attempt < Attempts) { }
            }
        }

        /// <summary>One folder the walk went through, held open until the walk ends (its ACL is read only if needed).</summary>
        private sealed class Step
        {
            private IReadOnlyList<PosixAclEntry>? _acl;
            private bool _aclRead;
            public Step(int fd, string path, UnixStat stat) { Fd = fd; Path = path; Stat = stat; }
            public Step(UnixChainFolder known, int fd) { Fd = fd; Path = known.Path; Stat = known.Stat; _acl = known.Acl; _aclRead = true; }
            public int Fd { get; set; }
            public string Path { get; }
            public UnixStat Stat { get; }

            public IReadOnlyList<PosixAclEntry>? Acl
            {
                get
                {
                    if (!_aclRead) { _acl = UnixAccessCheck.ReadAcl(Fd); _aclRead = true; }
                    return _acl;
                }
            }

            /// <summary>The ACL where it can change who controls entries: only a mask with write lets named users or groups write.</summary>
            public IReadOnlyList<PosixAclEntry>? AclForControllers => (Stat.Permissions & 0x10) != 0 ? Acl : null;
        }

        private static UnixOpenedPath? Walk(string path, List<FilePrincipal> initial, bool followFinalLink, bool probe)
        {
            var principals = new HashSet<FilePrincipal>(initial);
            var visited = new List<Step>();
            var physical = new List<string>();
            var pending = new Stack<string>();
            int links = 0;
            bool finalLinkFollowed = false;
            var cur = Start(path, visited, physical, pending);
            // true while every folder so far was reached without a link and without anyone else controlling it: such a
            // folder can be remembered (UnixTrustedFolders) and the next walk starts there
            bool trustedChain = true;
            try
            {
                while (true)
                {
                    // the path named a folder itself ("/", a trailing "..", a link to "." or to "dir/"): the entry is "." of that folder
                    if (pending.Count == 0) return Result(path, cur, physical, ".", cur.Stat, principals, visited, finalLinkFollowed);
                    var name = pending.Pop();
                    if (name.Length == 0 || name == ".") continue;
                    bool last = OnlyEmpty(pending);
                    if (name == "..")
                    {
                        if (physical.Count == 0) continue;
                        physical.RemoveAt(physical.Count - 1);
                        trustedChain = false;
                        cur = Enter(cur.Fd, "..", JoinPath(physical), path, visited, null);
                        continue;
                    }
                    var entryPath = Combine(physical, name);

                    if (!last)
                    {
                        // the usual case first: a folder, opened without following a link; what was opened is what is checked
                        int next = UnixLibc.OpenAt(cur.Fd, name, DirectoryFlags | UnixLibc.O_NOFOLLOW);
                        if (next >= 0)
                        {
                            if (!UnixLibc.FStat(next, out var st, out var e)) { UnixLibc.Close(next); throw Failure(path, entryPath, e); }
                            if (st.IsDirectory)
                            {
                                foreach (var c in UnixAccessCheck.EntryControllers(cur.Stat, cur.AclForControllers, st, UnixAccounts.IsTrusted))
                                {
                                    principals.Add(c);
                                    trustedChain = false;
                                }
                                physical.Add(name);
                                cur = new Step(next, entryPath, st);
                                visited.Add(cur);
                                if (trustedChain)
                                    // the chain (with every folder's ACL, one getxattr each) is built only when the cache will keep it
                                    UnixTrustedFolders.Add(entryPath, next, DirectoryFlags, visited, v => new UnixChainFolder(v.Path, v.Stat, v.Acl));
                                continue;
                            }
                            UnixLibc.Close(next); // O_PATH opened the link itself: handled below
                        }
                        else
                        {
                            int errno = UnixLibc.Errno;
                            if (errno != UnixLibc.ELOOP && errno != UnixLibc.ENOTDIR)
                            {
                                if (probe && errno == UnixLibc.ENOENT) return null;
                                principals.UnionWith(UnixAccessCheck.EntryControllers(cur.Stat, cur.AclForControllers, null, UnixAccounts.IsTrusted));
                                throw Failure(path, entryPath, errno);
                            }
                        }
                    }

                    bool found = UnixLibc.StatAt(cur.Fd, name, false, out var entry, out var statErrno);
                    principals.UnionWith(UnixAccessCheck.EntryControllers(cur.Stat, cur.AclForControllers, found ? entry : (UnixStat?)null, UnixAccounts.IsTrusted));
                    if (!found)
                    {
                        if (statErrno == UnixLibc.ENOENT && last) return Result(path, cur, physical, name, null, principals, visited, finalLinkFollowed);
                        if (probe && (statErrno == UnixLibc.ENOENT || statErrno == UnixLibc.ENOTDIR)) return null;
                        throw Failure(path, entryPath, statErrno);
                    }
                    if (entry.IsSymbolicLink && (!last || followFinalLink))
                    {
                        if (++links > MaxLinks)
                            throw new SafePathException(SafePathError.TooManyLinks, path, $"{path}: more than {MaxLinks} symbolic links on the way (a loop?).");
                        trustedChain = false;
                        if (last) finalLinkFollowed = true;
                        if (!UnixAccounts.IsTrusted(entry.Uid)) principals.Add(FilePrincipal.UnixUser(entry.Uid, UnixAccounts.NameOf(entry.Uid)));
                        var target = UnixLibc.ReadLinkAt(cur.Fd, name, out var linkErrno);
                        if (target == null) throw Failure(path, entryPath, linkErrno);
                        if (target.Length == 0) throw new SafePathException(SafePathError.NotFound, path, $"{path}: {entryPath} is an empty symbolic link.");
                        if (target[0] == '/')
                        {
                            physical.Clear();
                            cur = OpenRoot(path, visited);
                        }
                        Push(pending, target);
                        continue;
                    }
                    if (last) return Result(path, cur, physical, name, entry, principals, visited, finalLinkFollowed);
                    if (entry.IsDirectory) throw new SafePathException(SafePathError.Changed, path, $"{path}: {entryPath} was replaced while it was being opened.");
                    if (probe) return null;
                    throw new SafePathException(SafePathError.NotADirectory, path, $"{path}: {entryPath} is {entry.Describe()}, not a folder.");
                }
            }
            finally
            {
                foreach (var step in visited) UnixLibc.Close(step.Fd);
            }
        }

        /// <summary>The walk's result: every principal must be able to search every folder passed; the last folder's descriptor goes to the caller.</summary>
        private static UnixOpenedPath Result(string path, Step folder, List<string> physical, string name, UnixStat? entry, HashSet<FilePrincipal> principals, List<Step> visited, bool finalLinkFollowed)
        {
            foreach (var p in principals)
                foreach (var step in visited)
                    if (!UnixAccessCheck.Allows(p, step.Stat, step.Acl, UnixAccess.Execute))
                        throw new SafePathException(SafePathError.NotPermittedForPrincipal, path,
                            $"{path} leads through {step.Path}, which {p} cannot enter; NpmHardening does not go where an account that controls the path (or is audited) could not go itself.");
            var opened = new UnixOpenedPath(path, folder.Fd, folder.Stat, JoinPath(physical), name, entry, principals, finalLinkFollowed);
            folder.Fd = -1; // now the caller's
            return opened;
        }

        /// <summary>Folders are opened O_PATH on Linux: enough to walk and act relative to them, and search permission suffices, as for the kernel's own walk.</summary>
        private static int DirectoryFlags => UnixLibc.O_PATH_OR_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_CLOEXEC;

        private static Step Enter(int parent, string name, string folderPath, string path, List<Step> visited, UnixStat? expected)
        {
            int fd = UnixLibc.OpenAt(parent, name, DirectoryFlags);
            if (fd < 0) throw Failure(path, folderPath, UnixLibc.Errno);
            if (!UnixLibc.FStat(fd, out var stat, out var errno)) { UnixLibc.Close(fd); throw Failure(path, folderPath, errno); }
            var step = new Step(fd, folderPath, stat);
            visited.Add(step);
            if (expected is UnixStat e && !e.SameObject(stat)) throw new SafePathException(SafePathError.Changed, path, $"{path}: {folderPath} was replaced while it was being opened.");
            return step;
        }

        private static Step OpenRoot(string path, List<Step> visited) => Enter(UnixLibc.AT_FDCWD, "/", "/", path, visited, null);

        /// <summary>
        /// Where the walk of <paramref name="path"/> begins: its deepest folder still remembered as reached through a
        /// trusted chain (then only the rest is walked), else "/". Fills the components still to walk.
        /// </summary>
        private static Step Start(string path, List<Step> visited, List<string> physical, Stack<string> pending)
        {
            var parts = path.Split('/');
            // only a plain path (no "." or "..") names a remembered folder by its text
            bool plain = true;
            foreach (var p in parts) if (p == "." || p == "..") { plain = false; break; }
            if (plain)
            {
                for (int end = parts.Length - 1; end > 1; end--)
                {
                    if (parts[end - 1].Length == 0) continue;
                    var prefix = string.Join("/", parts, 0, end);
                    if (!UnixTrustedFolders.TryOpen(prefix, DirectoryFlags, out var fd, out var chain)) continue;
                    for (int i = 0; i < chain.Count - 1; i++) visited.Add(new Step(chain[i], -1));
                    var step = new Step(chain[chain.Count - 1], fd);
                    visited.Add(step);
                    for (int i = 1; i < end; i++) if (parts[i].Length > 0) physical.Add(parts[i]);
                    for (int i = parts.Length - 1; i >= end; i--) pending.Push(parts[i]);
                    return step;
                }
            }
            Push(pending, path);
            return OpenRoot(path, visited);
        }

        private static bool OnlyEmpty(Stack<string> pending)
        {
            foreach (var p in pending) if (p.Length != 0 && p != ".") return false;
            return true;
        }

        private static void Push(Stack<string> pending, string path)
        {
            var parts = path.Split('/');
            for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
        }

        private static string JoinPath(List<string> parts) => parts.Count == 0 ? "/" : "/" + string.Join("/", parts);

        private static string Combine(List<string> parts, string name) => parts.Count == 0 ? "/" + name : "/" + string.Join("/", parts) + "/" + name;

        internal static SafePathException Failure(string path, string where, int errno)
        {
            var error = errno == UnixLibc.ENOENT ? SafePathError.NotFound
                : errno == UnixLibc.ENOTDIR ? SafePathError.NotADirectory
                : errno == UnixLibc.EACCES || errno == UnixLibc.EPERM ? SafePathError.AccessDenied
                : errno == UnixLibc.ELOOP ? SafePathError.TooManyLinks
                : SafePathError.IoError;
            var what = where == path ? path : $"{path}: {where}";
            return new SafePathException(error, path, $"{what}: {UnixLibc.Describe(errno)}.");
        }
    }
}
