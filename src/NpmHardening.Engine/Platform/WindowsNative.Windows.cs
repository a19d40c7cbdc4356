using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The kernel32/advapi32 calls of the handle-based file access (declared once; identical on .NET Framework and
    /// .NET). Only reached on Windows.
    /// </summary>
    internal static class WindowsNative
    {
        public const uint GenericRead = 0x80000000, GenericWrite = 0x40000000;
        public const uint Delete = 0x00010000, ReadControl = 0x00020000, WriteDac = 0x00040000, WriteOwner = 0x00080000;
        public const uint FileReadAttributes = 0x80, FileWriteAttributes = 0x100;
        public const uint ShareRead = 1, ShareWrite = 2, ShareDelete = 4;
        public const uint CreateNew = 1, OpenExisting = 3, OpenAlways = 4;
        public const uint FlagBackupSemantics = 0x02000000, FlagOpenReparsePoint = 0x00200000, FlagDeleteOnClose = 0x04000000;
        public const uint AttributeReadOnly = 0x1, AttributeDirectory = 0x10, AttributeNormal = 0x80, AttributeReparsePoint = 0x400;

        public const int ErrorFileNotFound = 2, ErrorPathNotFound = 3, ErrorAccessDenied = 5, ErrorSharingViolation = 32, ErrorLockViolation = 33;
        public const int ErrorFileExists = 80, ErrorAlreadyExists = 183, ErrorInvalidName = 123, ErrorNotAReparsePoint = 4390, ErrorDeletePending = 303;

        public const int SeFileObject = 1;
        public const uint OwnerSecurityInformation = 0x1, DaclSecurityInformation = 0x4;
        public const uint ProtectedDacl = 0x80000000, UnprotectedDacl = 0x20000000;

        private const int FileBasicInfoClass = 0, FileDispositionInfoClass = 4, FileAttributeTagInfoClass = 9;
        // FILE_INFORMATION_CLASS of NtSetInformationFile (not the FILE_INFO_BY_HANDLE_CLASS of the kernel32 calls above)
        private const int FileRenameInformationClass = 10;

        /// <summary>What GetFileInformationByHandle and FileAttributeTagInfo tell about an open file or folder.</summary>
        internal readonly struct FileInfo
        {
            public FileInfo(uint attributes, uint volume, ulong index, uint links, long size, uint reparseTag)
            {
                Attributes = attributes; Volume = volume; Index = index; Links = links; Size = size; ReparseTag = reparseTag;
            }
            public uint Attributes { get; }
            public uint Volume { get; }
            public ulong Index { get; }
            public uint Links { get; }
            public long Size { get; }
            public uint ReparseTag { get; }
            public bool IsDirectory => (Attributes & AttributeDirectory) != 0;
            public bool IsReparsePoint => (Attributes & AttributeReparsePoint) != 0;
            /// <summary>A symbolic link, junction or mount point (a reparse point that stands for another name), not a cloud or dedup placeholder.</summary>
            public bool IsLink => IsReparsePoint && (ReparseTag & 0x20000000) != 0;
            public bool SameObject(FileInfo other) => Volume == other.Volume && Index == other.Index;
        }

        /// <summary>The \\?\ form, so no Win32 path normalisation (trailing dots, reserved names, MAX_PATH) applies.</summary>
        public static string Long(string path)
        {
            if (path.StartsWith(@"\\?\", StringComparison.Ordinal)) return path;
            return path.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + path.Substring(2) : @"\\?\" + path;
        }

        public static SafeFileHandle Open(string path, uint access, uint share, uint disposition, uint flags) =>
            CreateFileW(Long(path), access, share, IntPtr.Zero, disposition, flags, IntPtr.Zero);

        public static bool TryInfo(SafeFileHandle handle, out FileInfo info)
        {
            info = default;
            var b = new byte[52];
            if (!GetFileInformationByHandle(handle, b)) return false;
            uint tag = 0;
            uint attributes = BitConverter.ToUInt32(b, 0);
            if ((attributes & AttributeReparsePoint) != 0)
            {
                var t = new byte[8];
                if (GetFileInformationByHandleEx(handle, FileAttributeTagInfoClass, t, (uint)t.Length)) tag = BitConverter.ToUInt32(t, 4);
            }
            info = new FileInfo(attributes, BitConverter.ToUInt32(b, 28), ((ulong)BitConverter.ToUInt32(b, 44) << 32) | BitConverter.ToUInt32(b, 48),
                BitConverter.ToUInt32(b, 40), ((long)BitConverter.ToUInt32(b, 32) << 32) | BitConverter.ToUInt32(b, 36), tag);
            return true;
        }

        /// <summary>The path the open handle really names (links and junctions resolved), without the \\?\ prefix; null on failure.</summary>
        public static string? FinalPath(SafeFileHandle handle)
        {
            var buffer = new StringBuilder(512);
            for (int attempt = 0; attempt < 3; attempt++)
            {
                uint n = GetFinalPathNameByHandleW(handle, buffer, (uint)buffer.Capacity, 0);
                if (n == 0) return null;
                if (n < buffer.Capacity)
                {
                    var p = buffer.ToString();
                    if (p.StartsWith(@"\\?\UNC\", StringComparison.Ordinal)) return @"\\" + p.Substring(8);
                    return p.StartsWith(@"\\?\", StringComparison.Ordinal) ? p.Substring(4) : p;
                }
                buffer = new StringBuilder((int)n + 1);
            }
            return null;
        }

        /// <summary>
        /// Renames the open file to <paramref name="name"/> (no folder part) in the folder open as <paramref name="folder"/>
        /// (its own folder), replacing what is there; false with <paramref name="error"/> a Win32 error code otherwise.
        /// The folder is named by its handle in RootDirectory and the call goes to NtSetInformationFile itself: Windows also
        /// renames within the file's folder when RootDirectory is null, but Wine's SetFileInformationByHandle turns a bare
        /// name into a path under the current folder and moves the file there.
        /// </summary>
        public static bool RenameInFolder(SafeFileHandle handle, SafeFileHandle folder, string name, out int error)
        {
            int rootOffset = IntPtr.Size, lengthOffset = 2 * IntPtr.Size, nameOffset = lengthOffset + 4;
            int size = nameOffset + (name.Length + 1) * 2;
            var buffer = Marshal.AllocHGlobal(size);
            var status = new byte[2 * IntPtr.Size];
            bool added = false;
            try
            {
                folder.DangerousAddRef(ref added);
                for (int i = 0; i < size; i++) Marshal.WriteByte(buffer, i, 0);
                Marshal.WriteByte(buffer, 0, 1); // ReplaceIfExists
                Marshal.WriteIntPtr(buffer, rootOffset, folder.DangerousGetHandle());
                Marshal.WriteInt32(buffer, lengthOffset, name.Length * 2);
                var chars = name.ToCharArray();
                Marshal.Copy(chars, 0, IntPtr.Add(buffer, nameOffset), chars.Length);
                int result = NtSetInformationFile(handle, status, buffer, (uint)size, FileRenameInformationClass);
                error = result == 0 ? 0 : (int)RtlNtStatusToDosError(result);
                return result == 0;
            }
            finally
            {
                if (added) folder.DangerousRelease();
                Marshal.FreeHGlobal(buffer);
            }
        }

        /// <summary>A handle on the folder itself (not a link there), for names relative to it; invalid when it cannot be opened.</summary>
        public static SafeFileHandle OpenFolder(string path) =>
            Open(path, FileReadAttributes, ShareRead | ShareWrite | ShareDelete, OpenExisting, FlagBackupSemantics | FlagOpenReparsePoint);

        /// <summary>Marks the open file for deletion when its last handle closes (the handle needs DELETE access).</summary>
        public static bool DeleteOnClose(SafeFileHandle handle)
        {
            var buffer = Marshal.AllocHGlobal(4);
            try
            {
                Marshal.WriteInt32(buffer, 1);
                return SetFileInformationByHandle(handle, FileDispositionInfoClass, buffer, 4);
            }
            finally { Marshal.FreeHGlobal(buffer); }
        }

        /// <summary>Sets or clears the read-only attribute through the handle (FILE_WRITE_ATTRIBUTES); times are left as they are.</summary>
        public static bool SetReadOnly(SafeFileHandle handle, uint attributes, bool readOnly)
        {
            var buffer = Marshal.AllocHGlobal(40);
            try
            {
                for (int i = 0; i < 40; i++) Marshal.WriteByte(buffer, i, 0);
                uint updated = readOnly ? attributes | AttributeReadOnly : attributes & ~AttributeReadOnly;
                if (updated == 0) updated = AttributeNormal;
                Marshal.WriteInt32(buffer, 32, unchecked((int)updated));
                return SetFileInformationByHandle(handle, FileBasicInfoClass, buffer, 40);
            }
            finally { Marshal.FreeHGlobal(buffer); }
        }

        public static bool WriteAll(SafeFileHandle handle, byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                var chunk = new byte[Math.Min(count, 1 << 20)];
                Array.Copy(buffer, offset, chunk, 0, chunk.Length);
                if (!WriteFile(handle, chunk, (uint)chunk.Length, out var written, IntPtr.Zero) || written == 0) return false;
                offset += (int)written; count -= (int)written;
            }
            return true;
        }

        public static int Read(SafeFileHandle handle, byte[] buffer, int offset, int count)
        {
            var chunk = offset == 0 ? buffer : new byte[count];
            if (!ReadFile(handle, chunk, (uint)count, out var read, IntPtr.Zero)) return -1;
            if (offset != 0) Array.Copy(chunk, 0, buffer, offset, (int)read);
            return (int)read;
        }

        /// <summary>The self-relative security descriptor (owner and DACL) of an open handle (needs READ_CONTROL); null on failure.</summary>
        public static byte[]? SecurityDescriptor(SafeFileHandle handle)
        {
            uint rc = GetSecurityInfo(handle, SeFileObject, OwnerSecurityInformation | DaclSecurityInformation, out _, out _, out _, out _, out var sd);
            if (rc != 0 || sd == IntPtr.Zero) return null;
            try
            {
                uint length = GetSecurityDescriptorLength(sd);
                if (length == 0 || length > 1 << 20) return null;
                var bytes = new byte[length];
                Marshal.Copy(sd, bytes, 0, (int)length);
                return bytes;
            }
            finally { LocalFree(sd); }
        }

        /// <summary>The SID of the account this process runs as; null when it cannot be read.</summary>
        public static string? CurrentUserSid()
        {
            const uint TokenQuery = 0x8;
            if (!OpenProcessToken(GetCurrentProcess(), TokenQuery, out var token)) return null;
            try
            {
                GetTokenInformation(token, 1 /* TokenUser */, IntPtr.Zero, 0, out var needed);
                if (needed == 0 || needed > 4096) return null;
                var buffer = Marshal.AllocHGlobal((int)needed);
                try
                {
                    if (!GetTokenInformation(token, 1, buffer, needed, out _)) return null;
                    var sid = Marshal.ReadIntPtr(buffer, 0);
                    int length = GetLengthSid(sid);
                    var bytes = new byte[length];
                    Marshal.Copy(sid, bytes, 0, length);
                    return WindowsSecurityDescriptor.ReadSid(bytes, 0)?.Value;
                }
                finally { Marshal.FreeHGlobal(buffer); }
            }
            finally { CloseHandle(token); }
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, ExactSpelling = true, SetLastError = true)]
        private static extern SafeFileHandle CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GetFileInformationByHandle(SafeFileHandle handle, [Out] byte[] information);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GetFileInformationByHandleEx(SafeFileHandle handle, int infoClass, [Out] byte[] information, uint size);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool SetFileInformationByHandle(SafeFileHandle handle, int infoClass, IntPtr information, uint size);

        [DllImport("ntdll.dll", ExactSpelling = true)]
        private static extern int NtSetInformationFile(SafeFileHandle handle, [Out] byte[] ioStatus, IntPtr information, uint size, int infoClass);

        [DllImport("ntdll.dll", ExactSpelling = true)]
        private static extern uint RtlNtStatusToDosError(int status);

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, ExactSpelling = true, SetLastError = true)]
        private static extern uint GetFinalPathNameByHandleW(SafeFileHandle handle, StringBuilder path, uint length, uint flags);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool WriteFile(SafeFileHandle handle, byte[] buffer, uint count, out uint written, IntPtr overlapped);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool ReadFile(SafeFileHandle handle, [Out] byte[] buffer, uint count, out uint read, IntPtr overlapped);

        [DllImport("kernel32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool FlushFileBuffers(SafeFileHandle handle);

        [DllImport("advapi32.dll", ExactSpelling = true)]
        private static extern uint GetSecurityInfo(SafeFileHandle handle, int objectType, uint securityInfo,
            out IntPtr owner, out IntPtr group, out IntPtr dacl, out IntPtr sacl, out IntPtr securityDescriptor);

        [DllImport("advapi32.dll", ExactSpelling = true)]
        public static extern uint SetSecurityInfo(SafeFileHandle handle, int objectType, uint securityInfo, IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl);

        [DllImport("advapi32.dll", ExactSpelling = true)]
        private static extern uint GetSecurityDescriptorLength(IntPtr securityDescriptor);

        [DllImport("advapi32.dll", ExactSpelling = true)]
        private static extern int GetLengthSid(IntPtr sid);

        [DllImport("advapi32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool OpenProcessToken(IntPtr process, uint access, out IntPtr token);

        [DllImport("advapi32.dll", ExactSpelling = true, SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GetTokenInformation(IntPtr token, int infoClass, IntPtr information, uint length, out uint returned);

        [DllImport("kernel32.dll", ExactSpelling = true)]
        private static extern IntPtr GetCurrentProcess();

        [DllImport("kernel32.dll", ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool CloseHandle(IntPtr handle);

        [DllImport("kernel32.dll", ExactSpelling = true)]
        private static extern IntPtr LocalFree(IntPtr memory);
    }
}
