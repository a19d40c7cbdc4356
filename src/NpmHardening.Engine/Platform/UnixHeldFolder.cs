using System;
using System.Collections.Generic;
using System.Threading;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A folder reached by the descriptor walk (<see cref="UnixPathWalker"/>) and held open, so that several of its files
    /// can be read through the one descriptor instead of a walk each (a repository's CI files, its package.json). A file
    /// read here gets exactly the checks the walk's last step would give it: its lstat in this folder, whoever controls
    /// that entry, the open without following a link, the same-object and per-principal read checks of
    /// <see cref="UnixFiles.ReadAt"/>. Whatever the walk would have handled differently — a symbolic link (followed by
    /// hand from "/"), an entry whose controller is not already a principal of the folder's walk (every folder on the way
    /// must then be checked for them too), anything but a regular file, any failure — is not read here:
    /// <see cref="Read"/> returns null and the caller takes the full walk, which gives the usual answer or error.
    /// </summary>
    internal sealed class UnixHeldFolder : IDisposable
    {
        private int _fd;

        internal UnixHeldFolder(int fd, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl, HashSet<FilePrincipal> principals,
            IReadOnlyList<FilePrincipal> viewPrincipals, string physicalPath, IReadOnlyList<DirectoryEntry> entries)
        {
            _fd = fd; Stat = stat; Acl = acl; Principals = principals; ViewPrincipals = viewPrincipals;
            PhysicalPath = physicalPath; Entries = entries;
        }

        public UnixStat Stat { get; }
        /// <summary>The folder's ACL where something looks at it (<see cref="UnixAccessCheck.AclIfNeeded"/>); null otherwise.</summary>
        public IReadOnlyList<PosixAclEntry>? Acl { get; }
        /// <summary>The principals of the walk that reached the folder (each may list and search it: checked when it was opened).</summary>
        public HashSet<FilePrincipal> Principals { get; }
        /// <summary>The platform view's own principals (not reported as controllers of what is read).</summary>
        public IReadOnlyList<FilePrincipal> ViewPrincipals { get; }
        /// <summary>The folder's path with every link resolved.</summary>
        public string PhysicalPath { get; }
        /// <summary>The folder's entries when it was opened, each with its own kind (a link is a link).</summary>
        public IReadOnlyList<DirectoryEntry> Entries { get; }

        /// <summary>The file <paramref name="name"/> (one component) of this folder; null when only the full walk of
        /// <paramref name="fullPath"/> can say (see the class remarks).</summary>
        /// <param name="withControllers">whether the result's <see cref="FileReadResult.ControlledBy"/> is wanted. A
        /// caller that never looks at it (the pipeline scan: it judges what a file says, not who wrote it) passes false:
        /// the file's own ACL is then read only when a principal's read permission must be checked against it, and
        /// <see cref="FileReadResult.ControlledBy"/> is left empty. Every refusal is the same either way.</param>
        public FileReadResult? Read(string name, long maxBytes, string fullPath, bool withControllers = true)
        {
            var fd = _fd;
            if (fd < 0 || string.IsNullOrEmpty(name) || name == "." || name == ".." || name.IndexOf('/') >= 0) return null;
            // fstat of the held folder: the controller check below judges entries by the folder's owner, mode and ACL as
            // they were when it was opened; a folder chmod'ed or chown'ed since (someone else may now swap its entries)
            // must be judged anew by the full walk
            if (!Unchanged(fd)) return null;
            // lstat of the entry: a FIFO, socket, device or link is never opened (the walk's answer for them differs), and
            // a sticky folder's entry is controlled by its owner
            if (!UnixLibc.StatAt(fd, name, false, out var entry, out var errno))
                return errno == UnixLibc.ENOENT ? FileReadResult.Missing() : null;
            if (!entry.IsRegular) return null;
            foreach (var controller in UnixAccessCheck.EntryControllers(Stat, (Stat.Permissions & 0x10) != 0 ? Acl : null, entry, UnixAccounts.IsTrusted))
                if (!Principals.Contains(controller)) return null;
            if (entry.Size > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {entry.Size:N0} bytes", entry.Size);
            (byte[] Bytes, int Count, UnixStat Stat, IReadOnlyList<PosixAclEntry>? Acl)? read;
            // the pipeline scan (no controllers) only decodes the bytes: it takes the read buffer and its count, uncopied
            try { read = UnixFiles.ReadAt(fd, name, Principals, maxBytes, fullPath, lstat: entry, aclForCaller: withControllers, trim: withControllers); }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { return null; }
            if (read == null) return FileReadResult.Missing();
            if (!withControllers) return FileReadResult.Ok(read.Value.Bytes, read.Value.Count, null, PhysicalPath == "/" ? "/" + name : PhysicalPath + "/" + name);
            var controlledBy = new List<FilePrincipal>();
            foreach (var p in Principals) if (!Contains(ViewPrincipals, p)) controlledBy.Add(p);
            foreach (var p in UnixAccessCheck.ContentControllers(read.Value.Stat, read.Value.Acl, UnixAccounts.IsTrusted))
                if (!controlledBy.Contains(p)) controlledBy.Add(p);
            return FileReadResult.Ok(read.Value.Bytes, controlledBy, PhysicalPath == "/" ? "/" + name : PhysicalPath + "/" + name);
        }

        /// <summary>
        /// The folder <paramref name="relativePath"/> ('/'-separated, below this one) opened from this descriptor one
        /// component at a time as the walk would pass through it — lstat, whoever controls the entry, open without
        /// following a link, the same object, every principal may search it (and list the last one) — and held; null
        /// when only the full walk can say (a link, a missing folder, a controller the walk to here did not meet, any
        /// failure), so the caller then walks from "/" as before.
        /// </summary>
        public UnixHeldFolder? HoldBelow(string relativePath)
        {
            var fd = _fd;
            if (fd < 0 || string.IsNullOrEmpty(relativePath)) return null;
            if (!Unchanged(fd)) return null;
            var parts = relativePath.Split('/');
            var opened = new List<int>(parts.Length);
            var keep = -1;
            try
            {
                int current = fd;
                var currentStat = Stat;
                var currentAcl = Acl;
                var physical = PhysicalPath;
                for (var i = 0; i < parts.Length; i++)
                {
                    var name = parts[i];
                    if (name.Length == 0 || name == "." || name == "..") return null;
                    if (!UnixLibc.StatAt(current, name, false, out var entry, out _) || !entry.IsDirectory) return null;
                    foreach (var controller in UnixAccessCheck.EntryControllers(currentStat, (currentStat.Permissions & 0x10) != 0 ? currentAcl : null, entry, UnixAccounts.IsTrusted))
                        if (!Principals.Contains(controller)) return null;
                    int next = UnixLibc.OpenAt(current, name, UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_NOFOLLOW | UnixLibc.O_CLOEXEC);
                    if (next < 0) return null;
                    opened.Add(next);
                    if (!UnixLibc.FStat(next, out var stat, out _) || !stat.SameObject(entry)) return null;
                    var acl = UnixAccessCheck.AclIfNeeded(next, stat, Principals.Count > 0);
                    var wanted = i == parts.Length - 1 ? UnixAccess.Read | UnixAccess.Execute : UnixAccess.Execute;
                    foreach (var p in Principals) if (!UnixAccessCheck.Allows(p, stat, acl, wanted)) return null;
                    current = next;
                    currentStat = stat;
                    currentAcl = acl;
                    physical = physical == "/" ? "/" + name : physical + "/" + name;
                }
                var held = new UnixHeldFolder(current, currentStat, currentAcl, Principals, ViewPrincipals, physical, ListEntries(current));
                keep = current;
                return held;
            }
            finally
            {
                foreach (var o in opened) if (o != keep) UnixLibc.Close(o);
            }
        }

        /// <summary>The entries of the folder just opened (for reading) at <paramref name="fd"/>, each with its own kind (a
        /// link is a link): on Linux the kind the folder records for it (d_type, what lstat would say), else an lstat
        /// per entry. A listing only names candidates: every file is still opened with the checks of
        /// <see cref="Read"/>.</summary>
        internal static IReadOnlyList<DirectoryEntry> ListEntries(int fd)
        {
            var typed = UnixLibc.ReadDirectory(fd);
            if (typed != null)
            {
                var entries = new List<DirectoryEntry>(typed.Count);
                foreach (var (name, type) in typed)
                {
                    FileEntryKind kind;
                    if (type == UnixLibc.DT_DIR) kind = FileEntryKind.Directory;
                    else if (type == UnixLibc.DT_LNK) kind = FileEntryKind.SymbolicLink;
                    else if (type != UnixLibc.DT_UNKNOWN) kind = FileEntryKind.File;
                    // a file system that does not record kinds in its folders: lstat, as below
                    else kind = !UnixLibc.StatAt(fd, name, false, out var e, out _) ? FileEntryKind.Missing
                        : e.IsSymbolicLink ? FileEntryKind.SymbolicLink : e.IsDirectory ? FileEntryKind.Directory : FileEntryKind.File;
                    if (kind != FileEntryKind.Missing) entries.Add(new DirectoryEntry(name, kind));
                }
                return entries;
            }
            var list = new List<DirectoryEntry>();
            foreach (var name in UnixFiles.List(fd))
            {
                var kind = !UnixLibc.StatAt(fd, name, false, out var e, out _) ? FileEntryKind.Missing
                    : e.IsSymbolicLink ? FileEntryKind.SymbolicLink : e.IsDirectory ? FileEntryKind.Directory : FileEntryKind.File;
                if (kind != FileEntryKind.Missing) list.Add(new DirectoryEntry(name, kind));
            }
            return list;
        }

        /// <summary>
        /// The folder's owner, mode and ACL are still those judged when it was opened (its ctime moves with any of them):
        /// a folder whose owner gave someone else write access meanwhile goes back to the full walk, which judges it anew.
        /// </summary>
        private bool Unchanged(int fd) => UnixLibc.FStat(fd, out var now, out _) && now.SameObjectUnchanged(Stat);

        private static bool Contains(IReadOnlyList<FilePrincipal> list, FilePrincipal p)
        {
            foreach (var q in list) if (q.Equals(p)) return true;
            return false;
        }

        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0) UnixLibc.Close(fd);
            GC.SuppressFinalize(this);
        }

        // a holder that forgot Dispose must not leak the descriptor for the life of the PowerShell session
        ~UnixHeldFolder()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0) UnixLibc.Close(fd);
        }
    }
}
