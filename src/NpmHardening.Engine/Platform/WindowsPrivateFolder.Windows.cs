using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Win32.SafeHandles;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The backup store's folder on Windows (%LOCALAPPDATA%\NpmHardening\Backups): held open like any other path, refused
    /// when an account other than SYSTEM, Administrators or the one running NpmHardening controls it or a folder above it.
    /// New folders inherit the profile's ACL (the user, SYSTEM and Administrators).
    /// </summary>
    internal sealed class WindowsPrivateFolder : IPrivateFolder
    {
        private readonly WindowsOpenedPath _held;
        // the folder itself, which new backups are renamed into (the walk holds the folders above it)
        private readonly SafeFileHandle _folder;

        private WindowsPrivateFolder(string path, WindowsOpenedPath held, SafeFileHandle folder) { Path = path; _held = held; _folder = folder; }

        public string Path { get; }

        public static WindowsPrivateFolder Open(string path, bool create)
        {
            if (create && !Directory.Exists(path))
            {
                // creating follows junctions: first make sure no one else controls the deepest folder that already exists
                var existing = System.IO.Path.GetDirectoryName(path);
                while (existing != null && !Directory.Exists(existing)) existing = System.IO.Path.GetDirectoryName(existing);
                if (existing != null && System.IO.Path.GetPathRoot(existing) != existing)
                    using (var parent = WindowsPathWalker.Open(existing, null))
                        if (parent.Principals.Count > 0)
                            throw new SafePathException(SafePathError.Untrusted, path,
                                $"The backup folder {path} would be created in {existing}, which {FilePrincipal.Describe(parent.Principals)} can change; NpmHardening keeps backups only where no other account can add or change them. Set LOCALAPPDATA to a folder of this account's own.");
                Directory.CreateDirectory(path);
            }
            // open the folder's own parent chain, then the folder itself as the last component
            var opened = WindowsPathWalker.Open(path, null);
            if (opened.Principals.Count > 0 || opened.Entry is not WindowsNative.FileInfo e || !e.IsDirectory || e.IsLink)
            {
                var who = opened.Principals.Count > 0 ? FilePrincipal.Describe(opened.Principals) : null;
                opened.Dispose();
                throw new SafePathException(SafePathError.Untrusted, path, who != null
                    ? $"The backup folder {path} can be changed by {who}; NpmHardening keeps backups only where no other account can add or change them. Set LOCALAPPDATA to a folder of this account's own."
                    : $"The backup folder {path} is not a plain folder.");
            }
            var folder = WindowsNative.OpenFolder(path);
            if (folder.IsInvalid || !WindowsNative.TryInfo(folder, out var now) || !now.SameObject(e))
            {
                folder.Dispose();
                opened.Dispose();
                throw new SafePathException(SafePathError.Changed, path, $"The backup folder {path} changed while it was opened.");
            }
            return new WindowsPrivateFolder(path, opened, folder);
        }

        public IEnumerable<string> List(string suffix) =>
            WindowsFiles.List(Path, "*" + suffix).Where(n => n.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)).OrderBy(n => n, StringComparer.Ordinal).ToList();

        public byte[]? Read(string name, long maxBytes) => WindowsFiles.Read(WindowsFiles.Combine(Path, name), maxBytes, refuseHardLinks: true)?.Bytes;

        public void Write(string name, byte[] content) =>
            WindowsFiles.Replace(Path, _folder, name, WindowsFiles.Combine(Path, name), content, null, false, null, null, false, new List<string>());

        public void Delete(string name) => WindowsFiles.Delete(WindowsFiles.Combine(Path, name));

        public void Dispose()
        {
            _folder.Dispose();
            _held.Dispose();
        }
    }
}
