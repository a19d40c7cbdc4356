using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The backup store's folder on Unix: reached without any other account controlling a folder or link on the way,
    /// owned by this account, mode 0700. A store that fails any of these is refused rather than repaired: someone else
    /// could have put a manifest there that points a restore at a file of their choosing.
    /// </summary>
    internal sealed class UnixPrivateFolder : IPrivateFolder
    {
        private readonly int _fd;

        private UnixPrivateFolder(string path, int fd) { Path = path; _fd = fd; }

        public string Path { get; }

        public static UnixPrivateFolder Open(string path, bool create)
        {
            int fd = OpenFolder(path, create, 0);
            return new UnixPrivateFolder(path, fd);
        }

        /// <summary>Opens (and with <paramref name="create"/> makes, 0700) the folder and checks it is private to this account.</summary>
        private static int OpenFolder(string path, bool create, int depth)
        {
            if (depth > 32) throw new SafePathException(SafePathError.NotFound, path, $"{path}: too many missing folders to create.");
            UnixOpenedPath opened;
            try { opened = UnixPathWalker.Open(path, null); }
            catch (SafePathException e) when (create && e.Error == SafePathError.NotFound)
            {
                // a missing parent: make it first (also private), then this one
                var parent = System.IO.Path.GetDirectoryName(path);
                if (parent == null || parent == path) throw;
                UnixLibc.Close(OpenFolder(parent, true, depth + 1));
                return OpenFolder(path, true, depth + 1);
            }
            using var _ = opened;
            if (opened.Principals.Count > 0)
                throw new SafePathException(SafePathError.Untrusted, path,
                    $"The backup folder {path} is reached through a folder or link that {FilePrincipal.Describe(opened.Principals)} controls; NpmHardening keeps backups only where no other account can add or change them. Set XDG_STATE_HOME (or LOCALAPPDATA) to a folder of this account's own.");
            if (opened.Entry == null)
            {
                if (!create) throw new SafePathException(SafePathError.NotFound, path, $"The backup folder {path} does not exist.");
                if (UnixLibc.MkdirAt(opened.Folder, opened.Name, 0x1C0) != 0 && UnixLibc.Errno != UnixLibc.EEXIST)
                    throw UnixPathWalker.Failure(path, path, UnixLibc.Errno);
            }
            int fd = UnixLibc.OpenAt(opened.Folder, opened.Name, UnixLibc.O_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_NOFOLLOW | UnixLibc.O_CLOEXEC);
            if (fd < 0) throw UnixPathWalker.Failure(path, path, UnixLibc.Errno);
            try
            {
                if (!UnixLibc.FStat(fd, out var st, out var errno)) throw UnixPathWalker.Failure(path, path, errno);
                if (opened.Entry is UnixStat seen && !seen.SameObject(st)) throw UnixFiles.Changed(path);
                if (st.Uid != UnixAccounts.EffectiveUserId)
                    throw new SafePathException(SafePathError.Untrusted, path,
                        $"The backup folder {path} belongs to {UnixAccounts.NameOf(st.Uid)}, not to {UnixAccounts.NameOf(UnixAccounts.EffectiveUserId)} who runs NpmHardening; its backups are not trusted. Set XDG_STATE_HOME to a folder of this account's own.");
                if ((st.Permissions & 0x3F) != 0)
                    throw new SafePathException(SafePathError.Untrusted, path,
                        $"The backup folder {path} has mode {UnixFiles.Octal(st.Permissions)}; it must be 0700 (only its owner may see or change backups). Check what is in it, then run chmod 700 on it.");
                return fd;
            }
            catch
            {
                UnixLibc.Close(fd);
                throw;
            }
        }

        public IEnumerable<string> List(string suffix) =>
            UnixFiles.List(_fd).Where(n => n.EndsWith(suffix, StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).ToList();

        public byte[]? Read(string name, long maxBytes)
        {
            var path = Combine(name);
            var read = UnixFiles.ReadAt(_fd, name, Array.Empty<FilePrincipal>(), maxBytes, path);
            if (read == null) return null;
            var st = read.Value.Stat;
            if (st.Uid != UnixAccounts.EffectiveUserId || st.Links != 1 || (st.Permissions & 0x3F) != 0)
                throw new SafePathException(SafePathError.Untrusted, path,
                    $"{path} is not a private file of this account (owner {UnixAccounts.NameOf(st.Uid)}, mode {UnixFiles.Octal(st.Permissions)}, {st.Links} name(s)); it is ignored.");
            return read.Value.Bytes;
        }

        public void Write(string name, byte[] content) =>
            UnixFiles.ReplaceAt(_fd, name, Combine(name), content, null, null, 0x180, null, null, new List<string>());

        public void Delete(string name)
        {
            if (UnixLibc.UnlinkAt(_fd, name) != 0 && UnixLibc.Errno != UnixLibc.ENOENT)
                throw UnixPathWalker.Failure(Combine(name), Combine(name), UnixLibc.Errno);
        }

        private string Combine(string name) => Path.TrimEnd('/') + "/" + name;

        public void Dispose() => UnixLibc.Close(_fd);
    }
}
