using System;
using System.Collections.Generic;
using System.IO;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A config file opened for a change on Unix: the folder descriptor from <see cref="UnixPathWalker"/>, and a check,
    /// made once here, that every principal of the path could itself create and replace files in that folder. Every
    /// later operation (lock, read, temporary file, chown/chmod, rename, unlink) is relative to that descriptor.
    /// </summary>
    internal sealed class UnixWriteTarget : IWriteTarget
    {
        private const long MaxBytes = 64L << 20;
        private readonly UnixOpenedPath _path;
        private readonly Func<Stream, string, Stream>? _wrap;

        private UnixWriteTarget(string requested, UnixOpenedPath path, Func<Stream, string, Stream>? wrap)
        {
            RequestedPath = requested; _path = path; _wrap = wrap;
        }

        public string RequestedPath { get; }
        public string WritePath => _path.PhysicalPath;
        public bool FinalLinkFollowed => _path.FinalLinkFollowed;
        public IReadOnlyCollection<FilePrincipal> Principals => _path.Principals;

        public bool Exists => Current() is UnixStat s && s.IsRegular;

        public bool IsReadOnly => Current() is UnixStat s && (s.Mode & 0x80) == 0;

        /// <summary>Opens <paramref name="path"/> and checks the folder may be written for every principal.</summary>
        public static UnixWriteTarget Open(string path, WriteTargetPolicy policy, Func<Stream, string, Stream>? wrap)
        {
            var opened = UnixPathWalker.Open(path, policy.Principals);
            try
            {
                var target = new UnixWriteTarget(path, opened, wrap);
                target.CheckFolder();
                return target;
            }
            catch
            {
                opened.Dispose();
                throw;
            }
        }

        private void CheckFolder()
        {
            var folder = _path.FolderStat;
            var entry = _path.Entry;
            if (entry is UnixStat e)
            {
                if (e.IsDirectory)
                    throw new SafePathException(SafePathError.NotARegularFile, WritePath, $"{WritePath} is a directory, not a config file.");
                if (!e.IsRegular)
                    throw new SafePathException(SafePathError.NotARegularFile, WritePath, $"{WritePath} is {e.Describe()}, not a config file; NpmHardening never opens it.");
                if (e.Links > 1 && _path.Principals.Count > 0)
                    throw new SafePathException(SafePathError.HardLinked, WritePath,
                        $"{WritePath} has {e.Links} names (hard links) in a place {FilePrincipal.Describe(_path.Principals)} controls; NpmHardening does not replace a file that may be another file's second name. Make it a plain file.");
            }
            bool sticky = (folder.Permissions & 0x200) != 0;
            foreach (var p in _path.Principals)
            {
                if (!UnixAccessCheck.Allows(p, folder, _path.FolderAcl, UnixAccess.Write | UnixAccess.Execute))
                    throw new SafePathException(SafePathError.NotPermittedForPrincipal, WritePath,
                        $"{WritePath} is in {_path.FolderPath}, where {p} cannot create or replace files; NpmHardening does not write for an account (or through a path it controls) where that account could not write itself.");
                if (sticky && entry is UnixStat existing && !(p.Kind == FilePrincipalKind.User && (p.Id == existing.Uid || p.Id == folder.Uid)))
                    throw new SafePathException(SafePathError.NotPermittedForPrincipal, WritePath,
                        $"{WritePath} is in the sticky folder {_path.FolderPath} and belongs to another account, so {p} could not replace it; NpmHardening does not either.");
            }
        }

        private UnixStat? Current()
        {
            if (UnixLibc.StatAt(_path.Folder, _path.Name, false, out var st, out _)) return st;
            return null;
        }

        public byte[]? Read() => UnixFiles.ReadAt(_path.Folder, _path.Name, _path.Principals, MaxBytes, WritePath, honourLocks: true)?.Bytes;

        public IDisposable Lock(TimeSpan timeout) => UnixFiles.Lock(_path.Folder, _path.Name, WritePath, timeout);

        public void RemoveStaleTemporaryFiles() => UnixFiles.RemoveStaleTemporaryFiles(_path.Folder, _path.Name);

        public IReadOnlyList<string> Replace(byte[] content, AtomicWriteOptions options)
        {
            var warnings = new List<string>();
            uint? uid = null, gid = null;
            int mode;
            var existing = Current();
            if (existing is UnixStat e && e.IsRegular)
            {
                if (e.Links > 1 && _path.Principals.Count > 0) throw UnixFiles.Changed(WritePath);
                uid = e.Uid; gid = e.Gid; mode = e.Permissions;
                if ((mode & 0xE00) != 0) warnings.Add($"its set-user-id, set-group-id or sticky bit ({UnixFiles.Octal(mode)}) was dropped: a config file needs none.");
                if (uid == UnixAccounts.EffectiveUserId) { uid = null; gid = null; }
            }
            else if (existing is UnixStat other)
            {
                throw new SafePathException(SafePathError.NotARegularFile, WritePath, $"{WritePath} is now {other.Describe()}; nothing was written.");
            }
            else
            {
                mode = options.NewFileUnixMode ?? (0x1B6 & ~UnixFiles.Umask);
                if (options.NewFileOwnerFromDirectory && _path.FolderStat.Uid != UnixAccounts.EffectiveUserId)
                {
                    uid = _path.FolderStat.Uid;
                    gid = _path.FolderStat.Gid;
                }
            }
            Func<Stream, Stream>? wrap = _wrap == null ? null : s => _wrap(s, _path.Name);
            UnixFiles.ReplaceAt(_path.Folder, _path.Name, WritePath, content, uid, gid, mode, wrap, options.BeforeCommit, warnings);
            return warnings;
        }

        public void Delete()
        {
            if (UnixLibc.UnlinkAt(_path.Folder, _path.Name) != 0)
            {
                int errno = UnixLibc.Errno;
                if (errno == UnixLibc.ENOENT) return;
                if (errno == UnixLibc.EACCES || errno == UnixLibc.EPERM) throw new UnauthorizedAccessException($"{WritePath}: {UnixLibc.Describe(errno)}");
                throw new IOException($"{WritePath}: removing it failed ({UnixLibc.Describe(errno)}).");
            }
            UnixFiles.SyncFolder(_path.Folder);
        }

        public void Dispose() => _path.Dispose();
    }
}
