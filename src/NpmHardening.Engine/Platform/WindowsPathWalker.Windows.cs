using System;
using System.Collections.Generic;
using Microsoft.Win32.SafeHandles;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A path opened down to its last component on Windows: a handle on every folder from the volume root down, each
    /// opened without FILE_SHARE_DELETE so that no folder of the path can be renamed, deleted or replaced by a junction
    /// while the handles are held; the entry's name in the last folder; and who besides the trusted accounts controls
    /// the way there. Disposing releases the folders.
    /// </summary>
    internal sealed class WindowsOpenedPath : IDisposable
    {
        private readonly List<SafeFileHandle> _held;

        internal WindowsOpenedPath(List<SafeFileHandle> held, string folderPath, string name, WindowsNative.FileInfo? entry, HashSet<FilePrincipal> principals, string? folderOwnerSid, bool finalLinkFollowed)
        {
            _held = held; FolderPath = folderPath; Name = name; Entry = entry; Principals = principals; FolderOwnerSid = folderOwnerSid;
            FinalLinkFollowed = finalLinkFollowed;
        }

        /// <summary>The path's last component was a symbolic link (or junction), and the walk went on to its target.</summary>
        public bool FinalLinkFollowed { get; }

        public string FolderPath { get; }
        public string Name { get; }
        public WindowsNative.FileInfo? Entry { get; }
        public HashSet<FilePrincipal> Principals { get; }
        public string? FolderOwnerSid { get; }
        public SafeFileHandle Folder => _held[_held.Count - 1];
        public string PhysicalPath => FolderPath.EndsWith("\\", StringComparison.Ordinal) ? FolderPath + Name : FolderPath + "\\" + Name;

        public void Dispose()
        {
            foreach (var h in _held) h.Dispose();
            _held.Clear();
        }
    }

    /// <summary>
    /// Opens paths on Windows for an operation on their last component. Every folder is opened with
    /// FILE_FLAG_OPEN_REPARSE_POINT (a symbolic link, junction or mount point is seen, never silently crossed) and
    /// held; a link is followed only when it was made by a trusted account in a folder no one else controls, and its
    /// target is then walked the same way. Controllers of an entry are its owner and whoever may delete it, or any
    /// entry of its folder, or change either's permissions (DELETE, FILE_DELETE_CHILD, WRITE_DAC, WRITE_OWNER);
    /// trusted are SYSTEM, Administrators, TrustedInstaller and the account running NpmHardening.
    /// </summary>
    /// <remarks>
    /// Unlike Unix, the permissions of the principals are not evaluated here (that would need each account's group
    /// memberships, which only its logon token or Authz on a domain knows); instead anything a principal could have
    /// redirected — a link, a junction, a second hard link — is refused outright.
    /// </remarks>
    internal static class WindowsPathWalker
    {
        private const int MaxLinks = 40;
        private const uint Controls = WindowsNative.Delete | WindowsNative.WriteDac | WindowsNative.WriteOwner;
        private const uint FileDeleteChild = 0x40;
        private static readonly Lazy<string?> Me = new Lazy<string?>(WindowsNative.CurrentUserSid);

        public static bool IsTrusted(string sid) =>
            WindowsSecurityDescriptor.Trusted.Contains(sid) || string.Equals(sid, Me.Value, StringComparison.OrdinalIgnoreCase);

        public static WindowsOpenedPath Open(string path, IEnumerable<FilePrincipal>? principals, bool followFinalLink = true)
        {
            var set = new HashSet<FilePrincipal>(principals ?? Array.Empty<FilePrincipal>());
            var held = new List<SafeFileHandle>();
            try { return Walk(path, set, held, followFinalLink, 0, finalLinkFollowed: false); }
            catch
            {
                foreach (var h in held) h.Dispose();
                throw;
            }
        }

        private static WindowsOpenedPath Walk(string path, HashSet<FilePrincipal> principals, List<SafeFileHandle> held, bool followFinalLink, int links, bool finalLinkFollowed)
        {
            var root = System.IO.Path.GetPathRoot(path);
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("An absolute path is required.", nameof(path));
            var parts = path.Substring(root!.Length).Split(new[] { '\\', '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a folder, not a file.");
            var current = root.EndsWith("\\", StringComparison.Ordinal) ? root : root + "\\";
            var folder = OpenFolder(current, path, out _);
            held.Add(folder);
            var folderSd = WindowsSecurityDescriptor.Parse(WindowsNative.SecurityDescriptor(folder) ?? Array.Empty<byte>());
            for (int i = 0; i < parts.Length; i++)
            {
                var name = parts[i];
                if (name == "." || name == "..")
                    throw new SafePathException(SafePathError.NotFound, path, $"{path} has a '{name}' component; NpmHardening takes full paths only.");
                bool last = i == parts.Length - 1;
                var entryPath = current + name;
                var handle = WindowsNative.Open(entryPath, WindowsNative.FileReadAttributes | WindowsNative.ReadControl,
                    WindowsNative.ShareRead | WindowsNative.ShareWrite | (last ? WindowsNative.ShareDelete : 0),
                    WindowsNative.OpenExisting, WindowsNative.FlagBackupSemantics | WindowsNative.FlagOpenReparsePoint);
                if (handle.IsInvalid)
                {
                    int error = System.Runtime.InteropServices.Marshal.GetLastWin32Error();
                    handle.Dispose();
                    if (last && (error == WindowsNative.ErrorFileNotFound))
                        return new WindowsOpenedPath(held, Trim(current), name, null, principals, folderSd?.Owner?.Value, finalLinkFollowed);
                    throw Failure(path, entryPath, error);
                }
                bool keep = false;
                try
                {
                    if (!WindowsNative.TryInfo(handle, out var info)) throw Failure(path, entryPath, System.Runtime.InteropServices.Marshal.GetLastWin32Error());
                    var entrySd = WindowsSecurityDescriptor.Parse(WindowsNative.SecurityDescriptor(handle) ?? Array.Empty<byte>());
                    var controllers = Controllers(folderSd, entrySd, IsTrusted);
                    principals.UnionWith(controllers);
                    if (info.IsLink && (!last || followFinalLink))
                    {
                        if (controllers.Count > 0 || principals.Count > 0)
                            throw new SafePathException(SafePathError.NotPermittedForPrincipal, path,
                                $"{path}: {entryPath} is a symbolic link, junction or mount point that {FilePrincipal.Describe(principals)} could have made or changed; NpmHardening does not follow it for another account. Replace it with the real folder or file, or run as that account.");
                        if (++links > MaxLinks) throw new SafePathException(SafePathError.TooManyLinks, path, $"{path}: more than {MaxLinks} links on the way.");
                        string? target;
                        using (var followed = WindowsNative.Open(entryPath, WindowsNative.FileReadAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                                   WindowsNative.OpenExisting, WindowsNative.FlagBackupSemantics))
                        {
                            if (followed.IsInvalid) throw Failure(path, entryPath, System.Runtime.InteropServices.Marshal.GetLastWin32Error());
                            target = WindowsNative.FinalPath(followed);
                        }
                        if (target == null) throw new SafePathException(SafePathError.NotFound, path, $"{path}: the target of {entryPath} cannot be resolved.");
                        var rest = new List<string> { target };
                        for (int j = i + 1; j < parts.Length; j++) rest.Add(parts[j]);
                        return Walk(string.Join("\\", rest), principals, held, followFinalLink, links, finalLinkFollowed || last);
                    }
                    if (last)
                    {
                        if (info.Links > 1 && principals.Count > 0)
                            throw new SafePathException(SafePathError.HardLinked, path,
                                $"{entryPath} has {info.Links} names (hard links) in a place {FilePrincipal.Describe(principals)} controls; NpmHardening does not use a file that may be another file's second name.");
                        return new WindowsOpenedPath(held, Trim(current), name, info, principals, folderSd?.Owner?.Value, finalLinkFollowed);
                    }
                    if (!info.IsDirectory) throw new SafePathException(SafePathError.NotADirectory, path, $"{path}: {entryPath} is not a folder.");
                    held.Add(handle);
                    keep = true;
                    folderSd = entrySd;
                    current = entryPath + "\\";
                }
                finally
                {
                    if (!keep) handle.Dispose();
                }
            }
            throw new InvalidOperationException("unreachable");
        }

        private static SafeFileHandle OpenFolder(string folder, string path, out WindowsNative.FileInfo info)
        {
            var handle = WindowsNative.Open(folder, WindowsNative.FileReadAttributes | WindowsNative.ReadControl, WindowsNative.ShareRead | WindowsNative.ShareWrite,
                WindowsNative.OpenExisting, WindowsNative.FlagBackupSemantics | WindowsNative.FlagOpenReparsePoint);
            if (handle.IsInvalid)
            {
                int error = System.Runtime.InteropServices.Marshal.GetLastWin32Error();
                handle.Dispose();
                throw Failure(path, folder, error);
            }
            if (!WindowsNative.TryInfo(handle, out info))
            {
                handle.Dispose();
                throw Failure(path, folder, System.Runtime.InteropServices.Marshal.GetLastWin32Error());
            }
            return handle;
        }

        /// <summary>Who besides the trusted accounts could have put this entry there or could replace it.</summary>
        internal static HashSet<FilePrincipal> Controllers(WindowsSecurityDescriptor.Result? folder, WindowsSecurityDescriptor.Result? entry, Func<string, bool> trusted)
        {
            var result = new HashSet<FilePrincipal>();
            void Add(WindowsSid sid)
            {
                if (!trusted(sid.Value)) result.Add(FilePrincipal.WindowsAccount(sid.Value, WindowsSecurityDescriptor.WellKnownNameOrSid(sid)));
            }
            if (folder == null || entry == null)
            {
                // a descriptor we cannot read or parse: assume the worst
                result.Add(FilePrincipal.Anyone);
                return result;
            }
            if (folder.Owner is WindowsSid fo) Add(fo);
            if (entry.Owner is WindowsSid eo) Add(eo);
            foreach (var g in folder.Grants) if ((g.Value & (FileDeleteChild | WindowsNative.WriteDac | WindowsNative.WriteOwner)) != 0) Add(g.Key);
            foreach (var g in entry.Grants) if ((g.Value & Controls) != 0) Add(g.Key);
            return result;
        }

        private static string Trim(string folder) => folder.Length > 3 && folder.EndsWith("\\", StringComparison.Ordinal) ? folder.Substring(0, folder.Length - 1) : folder;

        internal static SafePathException Failure(string path, string where, int error)
        {
            var kind = error == WindowsNative.ErrorFileNotFound || error == WindowsNative.ErrorPathNotFound ? SafePathError.NotFound
                : error == WindowsNative.ErrorAccessDenied ? SafePathError.AccessDenied
                : error == WindowsNative.ErrorSharingViolation || error == WindowsNative.ErrorLockViolation ? SafePathError.Changed
                : SafePathError.IoError;
            var what = where == path ? path : $"{path}: {where}";
            // The Win32 error rides along as the HResult (HRESULT_FROM_WIN32), so a writer can report a file another
            // program holds open without sharing as locked rather than as changed.
            return new SafePathException(kind, path, $"{what}: {new System.ComponentModel.Win32Exception(error).Message}", unchecked((int)0x80070000) | (error & 0xFFFF));
        }
    }
}
