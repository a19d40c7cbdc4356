using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A config file opened for a change on Windows: every folder of its path held open without FILE_SHARE_DELETE
    /// (<see cref="WindowsPathWalker"/>), links another account could have made refused, a second hard link refused where
    /// another account controls the place. The new file gets the old file's owner and DACL (or, when new, the profile's
    /// owner and an owner-only DACL) on its own handle before any byte is written, and replaces the old one by a rename
    /// through that handle.
    /// </summary>
    internal sealed class WindowsWriteTarget : IWriteTarget
    {
        private const long MaxBytes = 64L << 20;
        private readonly WindowsOpenedPath _path;
        private readonly Func<Stream, string, Stream>? _wrap;
        private readonly bool _refuseHardLinks;

        private WindowsWriteTarget(string requested, WindowsOpenedPath path, Func<Stream, string, Stream>? wrap)
        {
            RequestedPath = requested; _path = path; _wrap = wrap;
            _refuseHardLinks = path.Principals.Count > 0;
        }

        public string RequestedPath { get; }
        public string WritePath => _path.PhysicalPath;
        public bool FinalLinkFollowed => _path.FinalLinkFollowed;
        public IReadOnlyCollection<FilePrincipal> Principals => _path.Principals;
        public bool Exists => Info() is WindowsNative.FileInfo i && !i.IsDirectory;
        public bool IsReadOnly => Info() is WindowsNative.FileInfo i && (i.Attributes & WindowsNative.AttributeReadOnly) != 0;

        public static WindowsWriteTarget Open(string path, WriteTargetPolicy policy, Func<Stream, string, Stream>? wrap)
        {
            var opened = WindowsPathWalker.Open(path, policy.Principals);
            if (opened.Entry is WindowsNative.FileInfo e && e.IsDirectory)
            {
                opened.Dispose();
                throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a directory, not a config file.");
            }
            return new WindowsWriteTarget(path, opened, wrap);
        }

        private WindowsNative.FileInfo? Info()
        {
            using var h = WindowsNative.Open(WritePath, WindowsNative.FileReadAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint | WindowsNative.FlagBackupSemantics);
            if (h.IsInvalid || !WindowsNative.TryInfo(h, out var info)) return null;
            return info;
        }

        public byte[]? Read() => WindowsFiles.Read(WritePath, MaxBytes, _refuseHardLinks)?.Bytes;

        public IDisposable Lock(TimeSpan timeout) => WindowsFiles.Lock(WritePath + UnixFiles.LockSuffix, timeout);

        public void RemoveStaleTemporaryFiles()
        {
            foreach (var name in WindowsFiles.List(_path.FolderPath, _path.Name + UnixFiles.TempMarker + "*.tmp"))
            {
                try { WindowsFiles.Delete(WindowsFiles.Combine(_path.FolderPath, name)); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
            }
        }

        public IReadOnlyList<string> Replace(byte[] content, AtomicWriteOptions options)
        {
            var warnings = new List<string>();
            Func<SafeFileHandle, string?>? security;
            bool required;
            byte[]? existing = null;
            using (var h = WindowsNative.Open(WritePath, WindowsNative.ReadControl | WindowsNative.FileReadAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                       WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint))
            {
                if (!h.IsInvalid)
                {
                    if (!WindowsNative.TryInfo(h, out var info)) throw WindowsPathWalker.Failure(WritePath, WritePath, System.Runtime.InteropServices.Marshal.GetLastWin32Error());
                    WindowsFiles.Require(info, WritePath, _refuseHardLinks);
                    existing = WindowsNative.SecurityDescriptor(h);
                    if (existing == null) throw new UnauthorizedAccessException($"{WritePath}: its permissions cannot be read, so they could not be kept");
                }
            }
            if (existing != null)
            {
                // the old file's owner and DACL, on the new file before its content: nothing is ever more open than before
                security = h => WindowsSecurity.Apply(h, existing, withDacl: true) is string e ? $"its owner and permissions could not be kept ({e})." : null;
                required = true;
            }
            else
            {
                var profileSid = options.NewFileOwnerFromDirectory && options.NewFileProfileFolder != null ? UserProfiles.WindowsProfileSid(options.NewFileProfileFolder) : null;
                var plan = options.NewFileOwnerFromDirectory ? WindowsNewFileSecurity.Decide(profileSid, _path.FolderOwnerSid, options.NewFileOwnerOnly, out var warning) : null;
                if (options.NewFileOwnerFromDirectory && plan == null && options.NewFileOwnerOnly && profileSid == null)
                    warnings.Add("no profile owns it, so it keeps the permissions it inherits from its folder.");
                security = plan == null ? null : h => WindowsSecurity.Apply(h, plan.Descriptor, withDacl: plan.OwnerOnly) is string e
                    ? $"the new file could not be given to {plan.OwnerSid} (the {plan.Source}'s owner) with the permissions {plan.Sddl}: {e}. Run as SYSTEM or an elevated administrator (giving a file to another account needs SeRestorePrivilege), or as the profile's user."
                    : null;
                // a user's private file is never left owned by SYSTEM with content in it; a shared project file only warns
                required = plan != null && plan.OwnerOnly;
            }
            Func<Stream, Stream>? wrap = _wrap == null ? null : s => _wrap(s, _path.Name);
            WindowsFiles.Replace(_path.FolderPath, _path.Folder, _path.Name, WritePath, content, security, required, wrap, options.BeforeCommit, options.OverrideReadOnly, warnings);
            return warnings;
        }

        public void Delete() => WindowsFiles.Delete(WritePath);

        public void Dispose() => _path.Dispose();
    }
}
