using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// File operations on one name inside a folder that <see cref="WindowsPathWalker"/> holds open (so the folder part of
    /// the path cannot change): every open uses FILE_FLAG_OPEN_REPARSE_POINT, so a link put at the name is seen as a
    /// link and refused, and renames and deletes go through the file's own handle.
    /// </summary>
    internal static class WindowsFiles
    {
        private static int LastError => Marshal.GetLastWin32Error();

        /// <summary>Reads the regular file <paramref name="path"/>; null when it does not exist. A link or folder there is refused.</summary>
        public static (byte[] Bytes, WindowsNative.FileInfo Info)? Read(string path, long maxBytes, bool refuseHardLinks)
        {
            using var h = WindowsNative.Open(path, WindowsNative.GenericRead, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint);
            if (h.IsInvalid)
            {
                int error = LastError;
                if (error == WindowsNative.ErrorFileNotFound || error == WindowsNative.ErrorPathNotFound) return null;
                if (error == WindowsNative.ErrorAccessDenied && Directory.Exists(path))
                    throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a directory, not a file.");
                throw WindowsPathWalker.Failure(path, path, error);
            }
            if (!WindowsNative.TryInfo(h, out var info)) throw WindowsPathWalker.Failure(path, path, LastError);
            Require(info, path, refuseHardLinks);
            if (info.Size > maxBytes) throw new SafePathException(SafePathError.IoError, path, $"{path} is {info.Size:N0} bytes, over the {maxBytes:N0} bytes read.");
            var buffer = BoundedRead.ToEnd((b, o, c) => WindowsNative.Read(h, b, o, c), info.Size, maxBytes, path, () => WindowsPathWalker.Failure(path, path, LastError));
            return (buffer, info);
        }

        public static void Require(WindowsNative.FileInfo info, string path, bool refuseHardLinks)
        {
            if (info.IsLink)
                throw new SafePathException(SafePathError.Changed, path, $"{path} is now a symbolic link or junction; NpmHardening does not follow it here.");
            if (info.IsDirectory) throw new SafePathException(SafePathError.NotARegularFile, path, $"{path} is a directory, not a file.");
            if (refuseHardLinks && info.Links > 1)
                throw new SafePathException(SafePathError.HardLinked, path, $"{path} has {info.Links} names (hard links); NpmHardening does not use it here.");
        }

        /// <summary>An exclusive lock file (no sharing, deleted when released), never a link or a second name of another file.</summary>
        public static IDisposable Lock(string lockPath, TimeSpan timeout)
        {
            var start = DateTime.UtcNow;
            var deadline = start + timeout;
            var random = new Random(Guid.NewGuid().GetHashCode());
            int delay = 5;
            while (true)
            {
                var h = WindowsNative.Open(lockPath, WindowsNative.GenericRead | WindowsNative.Delete, 0, WindowsNative.OpenAlways,
                    WindowsNative.FlagOpenReparsePoint | WindowsNative.FlagDeleteOnClose | WindowsNative.AttributeNormal);
                if (!h.IsInvalid)
                {
                    if (!WindowsNative.TryInfo(h, out var info) || info.IsReparsePoint || info.IsDirectory || info.Links != 1)
                    {
                        h.Dispose();
                        throw new SafePathException(SafePathError.NotARegularFile, lockPath, $"{lockPath} is not a lock file NpmHardening made (a link, folder or hard link). Remove it.");
                    }
                    return h;
                }
                int error = LastError;
                h.Dispose();
                if (error == WindowsNative.ErrorAccessDenied && DateTime.UtcNow - start > TimeSpan.FromSeconds(2))
                    throw new UnauthorizedAccessException($"{lockPath}: access denied");
                if (error != WindowsNative.ErrorSharingViolation && error != WindowsNative.ErrorAccessDenied && error != WindowsNative.ErrorDeletePending)
                    throw WindowsPathWalker.Failure(lockPath, lockPath, error);
                if (DateTime.UtcNow >= deadline) throw new TimeoutException($"{lockPath} is held by another process.");
                Thread.Sleep(delay + random.Next(delay));
                delay = Math.Min(delay * 2, 200);
            }
        }

        /// <summary>
        /// Creates a temporary file exclusively beside <paramref name="path"/>, gives it <paramref name="security"/> through its
        /// handle before any byte is written, writes and flushes the content, runs <paramref name="beforeCommit"/>, then
        /// renames it over the target through its own handle (within the held folder). Removed again on failure.
        /// </summary>
        public static void Replace(string folder, SafeFileHandle folderHandle, string name, string path, byte[] content, Func<SafeFileHandle, string?>? security, bool securityRequired,
            Func<Stream, Stream>? wrap, Action? beforeCommit, bool overrideReadOnly, List<string> warnings)
        {
            var tempName = UnixFiles.TempName(name);
            var tempPath = Combine(folder, tempName);
            using var h = WindowsNative.Open(tempPath, WindowsNative.GenericWrite | WindowsNative.Delete | WindowsNative.WriteDac | WindowsNative.WriteOwner | WindowsNative.ReadControl | WindowsNative.FileWriteAttributes,
                0, WindowsNative.CreateNew, WindowsNative.FlagOpenReparsePoint | WindowsNative.AttributeNormal);
            if (h.IsInvalid)
            {
                int error = LastError;
                if (error == WindowsNative.ErrorAccessDenied) throw new UnauthorizedAccessException($"{path}: creating a temporary file beside it was refused");
                throw WindowsPathWalker.Failure(path, tempPath, error);
            }
            bool committed = false;
            try
            {
                if (security != null)
                {
                    var error = security(h);
                    if (error != null)
                    {
                        if (securityRequired) throw new UnauthorizedAccessException($"{path}: {error}");
                        warnings.Add(error);
                    }
                }
                using (var raw = new HandleStream(h, path))
                using (var stream = wrap != null ? wrap(raw) : raw)
                {
                    stream.Write(content, 0, content.Length);
                    stream.Flush();
                }
                if (!WindowsNative.FlushFileBuffers(h)) throw new IOException($"{path}: flushing the new content to disk failed ({new System.ComponentModel.Win32Exception(LastError).Message}).");
                beforeCommit?.Invoke();

                uint? readOnlyAttributes = ClearReadOnly(path, overrideReadOnly);
                if (!RenameOver(h, folderHandle, name, out int renameError))
                {
                    if (readOnlyAttributes is uint a) RestoreReadOnly(path, a);
                    if (renameError == WindowsNative.ErrorAccessDenied) throw new UnauthorizedAccessException($"{path}: replacing it was refused");
                    throw new IOException($"{path}: replacing it failed ({new System.ComponentModel.Win32Exception(renameError).Message}).");
                }
                committed = true;
                if (readOnlyAttributes is uint attributes && WindowsNative.TryInfo(h, out var now) && !WindowsNative.SetReadOnly(h, now.Attributes, true))
                    warnings.Add("it could not be marked read-only again.");
            }
            finally
            {
                if (!committed) WindowsNative.DeleteOnClose(h);
            }
        }

        /// <summary>How long a replace keeps trying while the target is open in another process.</summary>
        internal static readonly TimeSpan ReplaceRetryLimit = TimeSpan.FromSeconds(3);

        /// <summary>
        /// Renames the written temporary file over the target, retrying for up to <see cref="ReplaceRetryLimit"/> while
        /// Windows refuses with access denied or a sharing violation. A replace that is not POSIX-style fails while any
        /// other process has the target open, even briefly and with FILE_SHARE_DELETE: npm reading its configuration, an
        /// editor, an antivirus scan, or another NpmHardening process reading the file before it waits for the lock (ten
        /// concurrent Set-NpmHardening processes lost one change this way under Wine; npm's own writes retry the same way
        /// through graceful-fs). A refusal that lasts is reported as before, the original intact. Nothing is resolved by
        /// path again: the same temporary file's handle and the same held folder are used for every attempt.
        /// </summary>
        private static bool RenameOver(SafeFileHandle temporary, SafeFileHandle folderHandle, string name, out int error)
        {
            var deadline = DateTime.UtcNow + ReplaceRetryLimit;
            int delay = 5;
            while (true)
            {
                if (WindowsNative.RenameInFolder(temporary, folderHandle, name, out error)) return true;
                if (error != WindowsNative.ErrorAccessDenied && error != WindowsNative.ErrorSharingViolation) return false;
                if (DateTime.UtcNow >= deadline) return false;
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 100);
            }
        }

        /// <summary>When the target is read-only: clears the mark (only with <paramref name="overrideReadOnly"/>) and returns its attributes.</summary>
        private static uint? ClearReadOnly(string path, bool overrideReadOnly)
        {
            using var t = WindowsNative.Open(path, WindowsNative.FileReadAttributes | WindowsNative.FileWriteAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint);
            if (t.IsInvalid || !WindowsNative.TryInfo(t, out var info) || (info.Attributes & WindowsNative.AttributeReadOnly) == 0) return null;
            if (info.IsLink) throw new SafePathException(SafePathError.Changed, path, $"{path} is now a link; nothing was written.");
            if (!overrideReadOnly) throw new UnauthorizedAccessException($"{path} is read-only.");
            if (!WindowsNative.SetReadOnly(t, info.Attributes, false)) throw new UnauthorizedAccessException($"{path}: its read-only mark could not be cleared.");
            return info.Attributes;
        }

        private static void RestoreReadOnly(string path, uint attributes)
        {
            using var t = WindowsNative.Open(path, WindowsNative.FileWriteAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint);
            if (!t.IsInvalid) WindowsNative.SetReadOnly(t, attributes, true);
        }

        /// <summary>Deletes the name through a handle opened on the name itself (a link there is deleted as a link).</summary>
        public static void Delete(string path)
        {
            using var h = WindowsNative.Open(path, WindowsNative.Delete | WindowsNative.FileReadAttributes, WindowsNative.ShareRead | WindowsNative.ShareWrite | WindowsNative.ShareDelete,
                WindowsNative.OpenExisting, WindowsNative.FlagOpenReparsePoint);
            if (h.IsInvalid)
            {
                int error = LastError;
                if (error == WindowsNative.ErrorFileNotFound) return;
                if (error == WindowsNative.ErrorAccessDenied) throw new UnauthorizedAccessException($"{path}: access denied");
                throw WindowsPathWalker.Failure(path, path, error);
            }
            if (!WindowsNative.DeleteOnClose(h)) throw new IOException($"{path}: removing it failed ({new System.ComponentModel.Win32Exception(LastError).Message}).");
        }

        public static IEnumerable<string> List(string folder, string pattern)
        {
            string[] names;
            try { names = Directory.GetFiles(folder, pattern); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { yield break; }
            foreach (var n in names) yield return Path.GetFileName(n);
        }

        public static string Combine(string folder, string name) => folder.EndsWith("\\", StringComparison.Ordinal) ? folder + name : folder + "\\" + name;

        /// <summary>A write-only stream over a handle the caller keeps.</summary>
        private sealed class HandleStream : WriteOnlyStream
        {
            private readonly SafeFileHandle _handle;
            private readonly string _path;
            public HandleStream(SafeFileHandle handle, string path) { _handle = handle; _path = path; }

            protected override void WriteAll(byte[] buffer, int offset, int count)
            {
                if (!WindowsNative.WriteAll(_handle, buffer, offset, count))
                    throw new IOException($"{_path}: writing failed ({new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error()).Message}).");
            }
        }
    }
}
