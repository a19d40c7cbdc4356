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
        public FileReadResult? Read(string name, long maxBytes, string fullPath)
        {
            var fd = _fd;
            if (fd < 0 || string.IsNullOrEmpty(name) || name == "." || name == ".." || name.IndexOf('/') >= 0) return null;
            if (!UnixLibc.StatAt(fd, name, false, out var entry, out var errno))
                return errno == UnixLibc.ENOENT ? FileReadResult.Missing() : null;
            if (!entry.IsRegular) return null;
            foreach (var controller in UnixAccessCheck.EntryControllers(Stat, (Stat.Permissions & 0x10) != 0 ? Acl : null, entry, UnixAccounts.IsTrusted))
                if (!Principals.Contains(controller)) return null;
            if (entry.Size > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {entry.Size:N0} bytes", entry.Size);
            (byte[] Bytes, UnixStat Stat, IReadOnlyList<PosixAclEntry>? Acl)? read;
            try { read = UnixFiles.ReadAt(fd, name, Principals, maxBytes, fullPath); }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { return null; }
            if (read == null) return FileReadResult.Missing();
            var controlledBy = new List<FilePrincipal>();
            foreach (var p in Principals) if (!Contains(ViewPrincipals, p)) controlledBy.Add(p);
            foreach (var p in UnixAccessCheck.ContentControllers(read.Value.Stat, read.Value.Acl, UnixAccounts.IsTrusted))
                if (!controlledBy.Contains(p)) controlledBy.Add(p);
            return FileReadResult.Ok(read.Value.Bytes, controlledBy, PhysicalPath == "/" ? "/" + name : PhysicalPath + "/" + name);
        }

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
