using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// The real file system. Atomic replacement is a temporary file in the same folder, flushed with
    /// <c>FileStream.Flush(true)</c>, then <c>File.Replace</c> (Windows: ReplaceFile, which keeps the replaced file's
    /// DACL; the owner is checked and put back) or a rename (Unix: owner, group and mode are copied onto the temporary
    /// file before any content is written, so secrets are never readable by others even for a moment). A new file
    /// gets its owner (and for a private one, 0600 or an owner-only protected DACL) on the empty temporary file too.
    /// </summary>
    /// <remarks>
    /// ReplaceFileW's documented behaviour (learn.microsoft.com, "ReplaceFileW function"): it keeps the replaced
    /// file's creation time, short name, object id, DACLs, security resource attributes, encryption, compression
    /// and named streams; the owner is not in that list, hence <c>WindowsOwnership.EnsureOwner</c> afterwards. It
    /// needs WRITE_DAC on the replacement to merge the DACL; without it, it fails (we retry with
    /// ignoreMetadataErrors and warn) rather than silently dropping the ACL.
    /// </remarks>
    public class SystemFileWriter : IFileWriter
    {
        public static readonly SystemFileWriter Instance = new SystemFileWriter();

        private const string TempMarker = ".npmhardening-";

        public SystemFileWriter()
        {
            IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }

        public bool IsWindows { get; }

        public FileProbe Probe(string path)
        {
            var full = Path.GetFullPath(path);
            FileAttributes? attributes = null;
            try { attributes = File.GetAttributes(full); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
            bool isLink = attributes.HasValue && (attributes.Value & FileAttributes.ReparsePoint) != 0;
            bool isDirectory = Directory.Exists(full);
            bool exists = File.Exists(full);
            string? target = null;
            if (isLink && IsWindows && ResolveLinkTargetMethod.Value != null)
            {
                // Windows has reparse points that are not links (cloud-file placeholders, dedup): only a link has a target
                if (InvokeResolve(full, false) == null) isLink = false;
                else target = InvokeResolve(full, true);
            }
            else if (isLink) target = LinkTarget(full);
            bool readOnly = false;
            if (exists)
            {
                if (IsWindows) readOnly = (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0;
                else if (UnixFileStatus.TryStat(full, out var mode, out _)) readOnly = (mode & 0x80) == 0; // no S_IWUSR
            }
            return new FileProbe(full, exists, isDirectory, isLink, target, readOnly);
        }

        public string ResolveRealPath(string path)
        {
            var full = Path.GetFullPath(path);
            if (!IsWindows)
            {
                var real = UnixNative.RealPath(full);
                if (real != null) return real;
            }
            else
            {
                var target = LinkTarget(full);
                if (target != null) return target;
            }
            return full;
        }

        private static readonly Lazy<MethodInfo?> ResolveLinkTargetMethod = new Lazy<MethodInfo?>(() =>
            typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", BindingFlags.Public | BindingFlags.Instance, null, new[] { typeof(bool) }, null));

        /// <summary>The final target of a link: realpath on Unix, FileSystemInfo.ResolveLinkTarget(true) (.NET 6+) elsewhere.</summary>
        private string? LinkTarget(string full)
        {
            if (!IsWindows)
            {
                var real = UnixNative.RealPath(full);
                if (real != null) return real;
            }
            return InvokeResolve(full, true); // null on .NET Framework: the link cannot be resolved, callers refuse it
        }

        private static string? InvokeResolve(string full, bool finalTarget)
        {
            var method = ResolveLinkTargetMethod.Value;
            if (method == null) return null;
            try
            {
                var info = method.Invoke(new FileInfo(full), new object[] { finalTarget }) as FileSystemInfo;
                return info?.FullName;
            }
            catch (TargetInvocationException) { return null; }
        }

        public byte[]? ReadAllBytes(string path)
        {
            try
            {
                // a FIFO or device put in the file's place is refused, never opened for a blocking read
                using var fs = RegularFile.OpenOrThrow(path, 1 << 16, FileShare.Read | FileShare.Delete);
                if (fs == null) return null;
                return RegularFile.ReadToEnd(fs, fs.Length);
            }
            catch (FileNotFoundException) { return null; }
            catch (DirectoryNotFoundException) { return null; }
        }

        public IDisposable AcquireLock(string lockPath, TimeSpan timeout)
        {
            var start = DateTime.UtcNow;
            var deadline = start + timeout;
            var random = new Random(Guid.NewGuid().GetHashCode());
            int delay = 5;
            while (true)
            {
                FileStream? stream = null;
                try
                {
                    // FileShare.None: a real sharing mode on Windows, flock(LOCK_EX | LOCK_NB) in .NET on Unix.
                    stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
                        IsWindows ? FileOptions.DeleteOnClose : FileOptions.None);
                    if (IsWindows) return new LockHandle(stream, lockPath, deleteOnRelease: false);
                    // Unix: the previous holder unlinks the file before it lets go, so the file we locked may no longer be
                    // the one at the path (someone else may be locking a new one). Only the file still at the path counts.
                    var same = UnixNative.SameFile(stream, lockPath);
                    if (same != false) return new LockHandle(stream, lockPath, deleteOnRelease: same == true);
                    stream.Dispose();
                }
                catch (DirectoryNotFoundException) { stream?.Dispose(); throw; }
                catch (IOException) { stream?.Dispose(); }
                catch (UnauthorizedAccessException) when (IsWindows && DateTime.UtcNow - start < TimeSpan.FromSeconds(2))
                {
                    // Windows: the previous holder's file is briefly pending deletion
                }
                if (DateTime.UtcNow >= deadline)
                    throw new TimeoutException($"{lockPath} is held by another process.");
                Thread.Sleep(delay + random.Next(delay));
                delay = Math.Min(delay * 2, 200);
            }
        }

        private sealed class LockHandle : IDisposable
        {
            private FileStream? _stream;
            private readonly string _path;
            private readonly bool _delete;

            public LockHandle(FileStream stream, string path, bool deleteOnRelease) { _stream = stream; _path = path; _delete = deleteOnRelease; }

            public void Dispose()
            {
                var stream = Interlocked.Exchange(ref _stream, null);
                if (stream == null) return;
                try
                {
                    // Unlink while still holding the lock: whoever locks this file next sees it is gone and retries.
                    if (_delete) File.Delete(_path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
                finally { stream.Dispose(); } // Windows: DeleteOnClose removes the file with the handle
            }
        }

        public IReadOnlyList<string> ReplaceAtomically(string path, byte[] content, AtomicWriteOptions options)
        {
            var warnings = new List<string>();
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException("The path has no folder.", nameof(path));
            var temp = Path.Combine(dir, Path.GetFileName(full) + TempMarker + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            bool exists = File.Exists(full);

            // what to keep
            int existingMode = -1; uint existingUid = 0, existingGid = 0;
            byte[]? windowsOwner = null;
            bool wasReadOnly = false;
            if (exists)
            {
                if (IsWindows)
                {
                    wasReadOnly = (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0;
                    windowsOwner = WindowsOwnership.GetOwnerSid(full);
                }
                else if (UnixNative.TryStat(full, out var st)) { existingMode = st.Mode & 0xFFF; existingUid = st.Uid; existingGid = st.Gid; }
            }

            try
            {
                using (var raw = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
                {
                    if (!IsWindows) PrepareUnixTemp(temp, full, dir, exists, existingMode, existingUid, existingGid, options, warnings);
                    else if (!exists) PrepareWindowsTemp(temp, full, dir, options, warnings);
                    using (var stream = CreateTempStream(raw))
                    {
                        stream.Write(content, 0, content.Length);
                        stream.Flush();
                    }
                    raw.Flush(true);
                }
                options.BeforeCommit?.Invoke();

                if (IsWindows && wasReadOnly)
                {
                    if (!options.OverrideReadOnly) throw new UnauthorizedAccessException($"{full} is read-only.");
                    File.SetAttributes(full, File.GetAttributes(full) & ~FileAttributes.ReadOnly);
                }
                if (exists)
                {
                    try { File.Replace(temp, full, null); }
                    catch (IOException) when (IsWindows && File.Exists(temp) && File.Exists(full))
                    {
                        // ReplaceFile could not merge some metadata (e.g. the ACL): replace without it and say so.
                        File.Replace(temp, full, null, ignoreMetadataErrors: true);
                        warnings.Add($"{full}: Windows could not carry every attribute of the old file over (ReplaceFile metadata error); check its permissions.");
                    }
                }
                else File.Move(temp, full);
            }
            catch
            {
                TryDelete(temp);
                if (IsWindows && wasReadOnly && File.Exists(full))
                    try { File.SetAttributes(full, File.GetAttributes(full) | FileAttributes.ReadOnly); } catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
                throw;
            }

            if (IsWindows)
            {
                if (wasReadOnly) File.SetAttributes(full, File.GetAttributes(full) | FileAttributes.ReadOnly);
                if (windowsOwner != null && !options.Private)
                {
                    var error = WindowsOwnership.EnsureOwner(full, windowsOwner);
                    if (error != null) warnings.Add($"{full}: the owner could not be kept ({error}); it is now owned by the account that ran NpmHardening.");
                }
            }
            else if (exists && existingMode >= 0 && !options.Private && UnixNative.TryStat(full, out var after) && (after.Mode & 0xFFF) != existingMode)
            {
                if (!UnixNative.ChangeMode(full, existingMode)) warnings.Add($"{full}: its permissions could not be set back to {Convert.ToString(existingMode, 8)}.");
            }
            return warnings;
        }

        /// <summary>Owner, group and mode go onto the empty temporary file before the content does.</summary>
        private static void PrepareUnixTemp(string temp, string full, string dir, bool exists, int mode, uint uid, uint gid, AtomicWriteOptions options, List<string> warnings)
        {
            if (options.Private)
            {
                UnixNative.ChangeMode(temp, 0x180); // 0600
                return;
            }
            if (exists && mode >= 0)
            {
                if (UnixNative.TryStat(temp, out var st) && (st.Uid != uid || st.Gid != gid))
                {
                    var error = UnixNative.ChangeOwner(temp, uid, gid);
                    if (error != null)
                        warnings.Add($"{full}: owner {uid}:{gid} could not be kept ({error}); the file is now owned by the account that ran NpmHardening.");
                }
                if (!UnixNative.ChangeMode(temp, mode)) warnings.Add($"{full}: its permissions ({Convert.ToString(mode, 8)}) could not be kept.");
                return;
            }
            if (options.NewFileOwnerFromDirectory && UnixNative.TryStat(dir, out var folder) && UnixNative.TryStat(temp, out var mine) &&
                (folder.Uid != mine.Uid || folder.Gid != mine.Gid))
            {
                var error = UnixNative.ChangeOwner(temp, folder.Uid, folder.Gid);
                if (error != null) warnings.Add($"{full}: could not give the new file to the folder's owner ({error}).");
            }
            if (options.NewFileUnixMode is int newMode) UnixNative.ChangeMode(temp, newMode);
        }

        /// <summary>
        /// Windows, new file: the owner (the profile's user, else the folder's owner) and, for a private file, a protected
        /// owner-only DACL go onto the empty temporary file before the content does, through the still-open handle's
        /// name (WRITE_OWNER/WRITE_DAC do not conflict with our FileShare.None). The handle keeps its write access
        /// whatever the new DACL says. If Windows refuses for a private file, the write fails and the temporary file is
        /// removed: a user's new .npmrc is never left owned by SYSTEM with content in it. A project file only warns.
        /// </summary>
        private static void PrepareWindowsTemp(string temp, string full, string dir, AtomicWriteOptions options, List<string> warnings)
        {
            if (options.Private || !options.NewFileOwnerFromDirectory) return;
            var profileSid = options.NewFileProfileFolder != null ? UserProfiles.WindowsProfileSid(options.NewFileProfileFolder) : null;
            var folderOwner = WindowsOwnership.GetOwnerSidString(dir);
            var plan = WindowsNewFileSecurity.Decide(profileSid, folderOwner, options.NewFileOwnerOnly, out var warning);
            if (warning != null) warnings.Add($"{full}: {warning}.");
            if (plan == null) return;
            var error = WindowsOwnership.Apply(temp, plan);
            if (error != null && !plan.OwnerOnly)
            {
                // a shared project file: like a failed chown on Unix, the creator keeps it and the inherited ACL still applies
                warnings.Add($"{full}: could not give the new file to the folder's owner {plan.OwnerSid} ({error}).");
                return;
            }
            if (error != null)
                throw new UnauthorizedAccessException(
                    $"the new file could not be given to {plan.OwnerSid} (the {plan.Source}'s owner) with the permissions {plan.Sddl}: {error}. " +
                    "Run as SYSTEM or an elevated administrator (giving a file to another account needs SeRestorePrivilege), or as the profile's user");
        }

        /// <summary>The stream the new content is written through; tests override it to fail or slow down mid-write.</summary>
        protected virtual Stream CreateTempStream(FileStream file) => new NonClosingStream(file);

        public void Delete(string path) => File.Delete(path);

        public void CreatePrivateDirectory(string path)
        {
            Directory.CreateDirectory(path);
            if (!IsWindows) UnixNative.ChangeMode(path, 0x1C0); // 0700
        }

        public IEnumerable<string> EnumerateFiles(string directory, string searchPattern) =>
            Directory.Exists(directory) ? Directory.EnumerateFiles(directory, searchPattern) : Array.Empty<string>();

        public void RemoveStaleTemporaryFiles(string path)
        {
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full);
            if (dir == null || !Directory.Exists(dir)) return;
            try
            {
                foreach (var f in Directory.EnumerateFiles(dir, Path.GetFileName(full) + TempMarker + "*.tmp")) TryDelete(f);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
        }

        /// <summary>Lets the hook wrap the file stream without closing it before Flush(true).</summary>
        private sealed class NonClosingStream : Stream
        {
            private readonly Stream _inner;
            public NonClosingStream(Stream inner) { _inner = inner; }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => _inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        }
    }

    /// <summary>Unix stat/chmod/chown/realpath. Only called on Unix (PowerShell 7 / .NET).</summary>
    internal static class UnixNative
    {
        internal struct Stat { public int Mode; public uint Uid; public uint Gid; }

        /// <summary>stat(2) through the runtime's shim: .NET's FileStatus starts Flags, Mode, Uid, Gid (int32 each) on every version.</summary>
        public static bool TryStat(string path, out Stat stat)
        {
            stat = default;
            var buffer = new byte[512];
            try
            {
                int rc;
                try { rc = Shim.Stat(path, buffer); }
                catch (EntryPointNotFoundException) { rc = Shim.Stat2(path, buffer); }
                if (rc != 0) return false;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                return false;
            }
            stat.Mode = BitConverter.ToInt32(buffer, 4);
            stat.Uid = BitConverter.ToUInt32(buffer, 8);
            stat.Gid = BitConverter.ToUInt32(buffer, 12);
            return true;
        }

        /// <summary>
        /// Whether the open file is still the one at <paramref name="path"/>: fstat and stat fill the same FileStatus for
        /// the same file (device, inode, times…), so the buffers are compared whole, without relying on field offsets.
        /// Null when it cannot be told (then a lock file is never unlinked, which is always safe).
        /// </summary>
        public static bool? SameFile(FileStream stream, string path)
        {
            var open = new byte[512];
            var named = new byte[512];
            try
            {
                if (Shim.FStat(stream.SafeFileHandle.DangerousGetHandle(), open) != 0) return null;
                int rc;
                try { rc = Shim.Stat(path, named); }
                catch (EntryPointNotFoundException) { rc = Shim.Stat2(path, named); }
                if (rc != 0) return false; // gone
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                return null;
            }
            for (int i = 0; i < open.Length; i++) if (open[i] != named[i]) return false;
            return true;
        }

        private static readonly Lazy<MethodInfo?> SetUnixFileMode = new Lazy<MethodInfo?>(() =>
        {
            var enumType = typeof(File).Assembly.GetType("System.IO.UnixFileMode");
            return enumType == null ? null : typeof(File).GetMethod("SetUnixFileMode", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), enumType }, null);
        });

        /// <summary>File.SetUnixFileMode (.NET 7+, by reflection: netstandard2.0 does not declare it), else the shim's chmod.</summary>
        public static bool ChangeMode(string path, int mode)
        {
            var method = SetUnixFileMode.Value;
            if (method != null)
            {
                try
                {
                    method.Invoke(null, new object[] { path, Enum.ToObject(method.GetParameters()[1].ParameterType, mode & 0xFFF) });
                    return true;
                }
                catch (TargetInvocationException) { return false; }
            }
            try { return Shim.ChMod(path, mode & 0xFFF) == 0; }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return false; }
        }

        /// <summary>chown(2). The runtime's shim has no chown, so libc is called directly; null on success, else why not.</summary>
        public static string? ChangeOwner(string path, uint uid, uint gid)
        {
            try
            {
                int rc;
                try { rc = Libc.chown(path, uid, gid); }
                catch (DllNotFoundException) { rc = Libc6.chown(path, uid, gid); }
                if (rc == 0) return null;
                int errno = Marshal.GetLastWin32Error();
                return errno == 1 ? "not permitted: only root can give a file to another user" : "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return "chown is not available";
            }
        }

        public static string? RealPath(string path)
        {
            try
            {
                var p = Libc.realpath(path, IntPtr.Zero);
                if (p == IntPtr.Zero) return null;
                try { return Marshal.PtrToStringAnsi(p); }
                finally { Libc.free(p); }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return null; }
        }

        private static class Shim
        {
            [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
            public static extern int Stat(string path, [In, Out] byte[] fileStatus);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat2", SetLastError = true)]
            public static extern int Stat2(string path, [In, Out] byte[] fileStatus);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
            public static extern int FStat(IntPtr fd, [In, Out] byte[] fileStatus);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_ChMod", SetLastError = true)]
            public static extern int ChMod(string path, int mode);
        }

        private static class Libc
        {
            [DllImport("libc", SetLastError = true)]
            public static extern int chown(string path, uint owner, uint group);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr realpath(string path, IntPtr resolved);

            [DllImport("libc")]
            public static extern void free(IntPtr ptr);
        }

        private static class Libc6
        {
            [DllImport("libc.so.6", SetLastError = true)]
            public static extern int chown(string path, uint owner, uint group);
        }
    }

    /// <summary>
    /// The owner of a Windows file: read before ReplaceFile (which keeps the DACL but not necessarily the owner) and
    /// put back afterwards, enabling SeRestorePrivilege for the call when an administrator or SYSTEM writes a user's file.
    /// </summary>
    internal static class WindowsOwnership
    {
        private const int SeFileObject = 1;
        private const int OwnerSecurityInformation = 0x1;

        public static byte[]? GetOwnerSid(string path)
        {
            try
            {
                uint rc = Native.GetNamedSecurityInfo(path, SeFileObject, OwnerSecurityInformation, out var owner, out _, out _, out _, out var sd);
                if (rc != 0 || sd == IntPtr.Zero) return null;
                try
                {
                    if (owner == IntPtr.Zero) return null;
                    int length = Native.GetLengthSid(owner);
                    var sid = new byte[length];
                    Marshal.Copy(owner, sid, 0, length);
                    return sid;
                }
                finally { Native.LocalFree(sd); }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return null; }
        }

        /// <summary>Sets the owner back when it changed; null on success, else the reason.</summary>
        public static string? EnsureOwner(string path, byte[] sid)
        {
            var now = GetOwnerSid(path);
            if (now != null && Equal(now, sid)) return null;
            var handle = GCHandle.Alloc(sid, GCHandleType.Pinned);
            try
            {
                var pSid = handle.AddrOfPinnedObject();
                uint rc = Native.SetNamedSecurityInfo(path, SeFileObject, OwnerSecurityInformation, pSid, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
                if (rc == 0) return null;
                if (!WithPrivilege("SeRestorePrivilege", () => rc = Native.SetNamedSecurityInfo(path, SeFileObject, OwnerSecurityInformation, pSid, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero)))
                    return "Windows error " + rc.ToString(System.Globalization.CultureInfo.InvariantCulture) + "; SeRestorePrivilege is not available";
                return rc == 0 ? null : "Windows error " + rc.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return e.Message; }
            finally { handle.Free(); }
        }

        /// <summary>The owner of a file or folder as a SID string; null when it cannot be read.</summary>
        public static string? GetOwnerSidString(string path)
        {
            var sid = GetOwnerSid(path);
            return sid == null ? null : WindowsSecurityDescriptor.ReadSid(sid, 0)?.Value;
        }

        /// <summary>
        /// Sets the owner (and, for an owner-only plan, the protected DACL) of <paramref name="path"/> from the plan's
        /// self-relative descriptor; null on success, else the reason. Tries as is first (giving a file to yourself
        /// needs no privilege), then with SeRestorePrivilege enabled, which lets SYSTEM and elevated administrators
        /// name any owner.
        /// </summary>
        public static string? Apply(string path, WindowsNewFileSecurityPlan plan)
        {
            var descriptor = plan.Descriptor;
            WindowsNewFileSecurity.Offsets(descriptor, out var ownerOffset, out var daclOffset);
            // unmanaged, pointer-aligned memory: SetNamedSecurityInfoW takes PSID and PACL pointers into it
            var buffer = Marshal.AllocHGlobal(descriptor.Length);
            try
            {
                Marshal.Copy(descriptor, 0, buffer, descriptor.Length);
                var pOwner = ownerOffset == 0 ? IntPtr.Zero : IntPtr.Add(buffer, ownerOffset);
                var pDacl = daclOffset == 0 ? IntPtr.Zero : IntPtr.Add(buffer, daclOffset);
                uint info = plan.SecurityInformation;
                uint rc = Native.SetNamedSecurityInfoFlags(path, SeFileObject, info, pOwner, IntPtr.Zero, pDacl, IntPtr.Zero);
                if (rc == 0) return null;
                uint first = rc;
                if (!WithPrivilege("SeRestorePrivilege", () => rc = Native.SetNamedSecurityInfoFlags(path, SeFileObject, info, pOwner, IntPtr.Zero, pDacl, IntPtr.Zero)))
                    return "Windows error " + first.ToString(System.Globalization.CultureInfo.InvariantCulture) + " and SeRestorePrivilege is not available to this account";
                return rc == 0 ? null : "Windows error " + rc.ToString(System.Globalization.CultureInfo.InvariantCulture) + " even with SeRestorePrivilege";
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return e.Message; }
            finally { Marshal.FreeHGlobal(buffer); }
        }

        private static bool Equal(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        /// <summary>Runs <paramref name="action"/> with the privilege enabled, then restores the token's previous state.</summary>
        private static bool WithPrivilege(string privilege, Action action)
        {
            const uint TokenAdjustPrivileges = 0x20, TokenQuery = 0x8, SePrivilegeEnabled = 0x2;
            if (!Native.OpenProcessToken(Native.GetCurrentProcess(), TokenAdjustPrivileges | TokenQuery, out var token)) return false;
            try
            {
                if (!Native.LookupPrivilegeValue(null, privilege, out var luid)) return false;
                var state = new Native.TokenPrivileges { PrivilegeCount = 1, Luid = luid, Attributes = SePrivilegeEnabled };
                var previous = new Native.TokenPrivileges();
                int size = Marshal.SizeOf(typeof(Native.TokenPrivileges));
                if (!Native.AdjustTokenPrivileges(token, false, ref state, size, ref previous, out _)) return false;
                if (Marshal.GetLastWin32Error() == 1300 /* ERROR_NOT_ALL_ASSIGNED */) return false;
                try { action(); }
                finally
                {
                    if (previous.PrivilegeCount > 0) Native.AdjustTokenPrivileges(token, false, ref previous, size, ref state, out _);
                }
                return true;
            }
            finally { Native.CloseHandle(token); }
        }

        private static class Native
        {
            [StructLayout(LayoutKind.Sequential)]
            public struct Luid { public uint LowPart; public int HighPart; }

            [StructLayout(LayoutKind.Sequential)]
            public struct TokenPrivileges { public uint PrivilegeCount; public Luid Luid; public uint Attributes; }

            [DllImport("advapi32.dll", EntryPoint = "GetNamedSecurityInfoW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern uint GetNamedSecurityInfo(string objectName, int objectType, int securityInfo,
                out IntPtr owner, out IntPtr group, out IntPtr dacl, out IntPtr sacl, out IntPtr securityDescriptor);

            [DllImport("advapi32.dll", EntryPoint = "SetNamedSecurityInfoW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern uint SetNamedSecurityInfo(string objectName, int objectType, int securityInfo,
                IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl);

            /// <summary>SetNamedSecurityInfoW with SECURITY_INFORMATION as the DWORD it is (PROTECTED_DACL_SECURITY_INFORMATION is the high bit).</summary>
            [DllImport("advapi32.dll", EntryPoint = "SetNamedSecurityInfoW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern uint SetNamedSecurityInfoFlags(string objectName, int objectType, uint securityInfo,
                IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl);

            [DllImport("advapi32.dll", ExactSpelling = true)]
            public static extern int GetLengthSid(IntPtr sid);

            [DllImport("advapi32.dll", ExactSpelling = true, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool OpenProcessToken(IntPtr process, uint access, out IntPtr token);

            [DllImport("advapi32.dll", EntryPoint = "LookupPrivilegeValueW", CharSet = CharSet.Unicode, ExactSpelling = true, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool LookupPrivilegeValue(string? systemName, string name, out Luid luid);

            [DllImport("advapi32.dll", ExactSpelling = true, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool AdjustTokenPrivileges(IntPtr token, [MarshalAs(UnmanagedType.Bool)] bool disableAll,
                ref TokenPrivileges newState, int bufferLength, ref TokenPrivileges previousState, out int returnLength);

            [DllImport("kernel32.dll", ExactSpelling = true)]
            public static extern IntPtr GetCurrentProcess();

            [DllImport("kernel32.dll", ExactSpelling = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool CloseHandle(IntPtr handle);

            [DllImport("kernel32.dll", ExactSpelling = true)]
            public static extern IntPtr LocalFree(IntPtr memory);
        }
    }
}
