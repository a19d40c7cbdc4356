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
        internal UnixOpenedPath(string requested, int folder, UnixStat folderStat, IReadOnlyList<PosixAclEntry>? folderAcl, string folderPath,
            string name, UnixStat? entry, HashSet<FilePrincipal> principals)
        {
            Requested = requested; Folder = folder; FolderStat = folderStat; FolderAcl = folderAcl; FolderPath = folderPath;
            Name = name; Entry = entry; Principals = principals;
        }

        public string Requested { get; }
        public int Folder { get; private set; }
        public UnixStat FolderStat { get; }
        public IReadOnlyList<PosixAclEntry>? FolderAcl { get; }
        /// <summary>The folder's physical path (links resolved).</summary>
        public string FolderPath { get; }
        public string Name { get; }
        /// <summary>The final entry (never a link unless the walk was asked not to follow the last one); null when missing.</summary>
        public UnixStat? Entry { get; }
        /// <summary>Explicit principals and everyone who controls a folder or link on the way (empty: only trusted accounts).</summary>
        public HashSet<FilePrincipal> Principals { get; }
        public string PhysicalPath => FolderPath == "/" ? "/" + Name : FolderPath + "/" + Name;

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
        public static UnixOpenedPath Open(string path, IEnumerable<FilePrincipal>? principals, bool followFinalLink = true)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/') throw new ArgumentException("An absolute path is required.", nameof(path));
            var initial = principals?.ToList() ?? new List<FilePrincipal>();
            for (int attempt = 1; ; attempt++)
            {
                try { return Walk(path, initial, followFinalLink); }
                catch (SafePathException e) when (e.Error == SafePathError.Changed && attempt < Attempts) { }
            }
        }

        private sealed class Step
        {
            public Step(string path, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl) { Path = path; Stat = stat; Acl = acl; }
            public string Path { get; }
            public UnixStat Stat { get; }
            public IReadOnlyList<PosixAclEntry>? Acl { get; }
        }

        private static UnixOpenedPath Walk(string path, List<FilePrincipal> initial, bool followFinalLink)
        {
            var principals = new HashSet<FilePrincipal>(initial);
            var visited = new List<Step>();
            var physical = new List<string>();
            var pending = new Stack<string>();
            Push(pending, path);
            int links = 0;
            int cur = OpenRoot(path, visited);
            try
            {
                var curStep = visited[visited.Count - 1];
                while (true)
                {
                    // the path named a folder itself ("/", a link to a folder ending in "/")
                    if (pending.Count == 0) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a folder, not a file.");
                    var name = pending.Pop();
                    if (name.Length == 0 || name == ".") continue;
                    bool last = pending.All(p => p.Length == 0 || p == ".");
                    if (name == "..")
                    {
                        if (physical.Count == 0) { if (last) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a folder, not a file."); continue; }
                        int parent = UnixLibc.OpenAt(cur, "..", UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_CLOEXEC);
                        if (parent < 0) throw Failure(path, JoinPath(physical), UnixLibc.Errno);
                        physical.RemoveAt(physical.Count - 1);
                        UnixLibc.Close(cur);
                        cur = parent;
                        curStep = Describe(cur, JoinPath(physical), path);
                        visited.Add(curStep);
                        if (last) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a folder, not a file.");
                        continue;
                    }

                    bool found = UnixLibc.StatAt(cur, name, false, out var entry, out var errno);
                    principals.UnionWith(UnixAccessCheck.EntryControllers(curStep.Stat, curStep.Acl, found ? entry : (UnixStat?)null, UnixAccounts.IsTrusted));
                    var entryPath = Combine(physical, name);
                    if (!found)
                    {
                        if (errno == UnixLibc.ENOENT && last)
                        {
                            Check(principals, visited, path);
                            var missing = new UnixOpenedPath(path, cur, curStep.Stat, curStep.Acl, JoinPath(physical), name, null, principals);
                            cur = -1;
                            return missing;
                        }
                        throw Failure(path, entryPath, errno);
                    }
                    if (entry.IsSymbolicLink && (!last || followFinalLink))
                    {
                        if (++links > MaxLinks)
                            throw new SafePathException(SafePathError.TooManyLinks, path, $"{path}: more than {MaxLinks} symbolic links on the way (a loop?).");
                        if (!UnixAccounts.IsTrusted(entry.Uid)) principals.Add(FilePrincipal.UnixUser(entry.Uid, UnixAccounts.NameOf(entry.Uid)));
                        var target = UnixLibc.ReadLinkAt(cur, name, out errno);
                        if (target == null) throw Failure(path, entryPath, errno);
                        if (target.Length == 0) throw new SafePathException(SafePathError.NotFound, path, $"{path}: {entryPath} is an empty symbolic link.");
                        if (target[0] == '/')
                        {
                            UnixLibc.Close(cur);
                            cur = -1;
                            physical.Clear();
                            cur = OpenRoot(path, visited);
                            curStep = visited[visited.Count - 1];
                        }
                        Push(pending, target);
                        continue;
                    }
                    if (last)
                    {
                        Check(principals, visited, path);
                        var opened = new UnixOpenedPath(path, cur, curStep.Stat, curStep.Acl, JoinPath(physical), name, entry, principals);
                        cur = -1;
                        return opened;
                    }
                    if (!entry.IsDirectory)
                        throw new SafePathException(SafePathError.NotADirectory, path, $"{path}: {entryPath} is {entry.Describe()}, not a folder.");
                    int next = UnixLibc.OpenAt(cur, name, UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_NOFOLLOW | UnixLibc.O_CLOEXEC);
                    if (next < 0)
                    {
                        errno = UnixLibc.Errno;
                        if (errno == UnixLibc.ELOOP || errno == UnixLibc.ENOTDIR || errno == UnixLibc.ENOENT)
                            throw new SafePathException(SafePathError.Changed, path, $"{path}: {entryPath} was replaced while it was being opened.");
                        throw Failure(path, entryPath, errno);
                    }
                    UnixLibc.Close(cur);
                    cur = next;
                    physical.Add(name);
                    curStep = Describe(cur, entryPath, path);
                    if (!curStep.Stat.SameObject(entry))
                        throw new SafePathException(SafePathError.Changed, path, $"{path}: {entryPath} was replaced while it was being opened.");
                    visited.Add(curStep);
                }
            }
            finally
            {
                UnixLibc.Close(cur);
            }
        }

        /// <summary>Every principal must be able to search every folder the walk went through, as the kernel would check for it.</summary>
        private static void Check(HashSet<FilePrincipal> principals, List<Step> visited, string path)
        {
            foreach (var p in principals)
                foreach (var step in visited)
                    if (!UnixAccessCheck.Allows(p, step.Stat, step.Acl, UnixAccess.Execute))
                        throw new SafePathException(SafePathError.NotPermittedForPrincipal, path,
                            $"{path} leads through {step.Path}, which {p} cannot enter; NpmHardening does not go where an account that controls the path (or is audited) could not go itself.");
        }

        private static int OpenRoot(string path, List<Step> visited)
        {
            int fd = UnixLibc.OpenAt(UnixLibc.AT_FDCWD, "/", UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_CLOEXEC);
            if (fd < 0) throw Failure(path, "/", UnixLibc.Errno);
            visited.Add(Describe(fd, "/", path));
            return fd;
        }

        private static Step Describe(int fd, string folderPath, string path)
        {
            if (!UnixLibc.FStat(fd, out var stat, out var errno)) throw Failure(path, folderPath, errno);
            return new Step(folderPath, stat, UnixAccessCheck.ParseAcl(UnixLibc.GetXattr(fd, "system.posix_acl_access")));
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
