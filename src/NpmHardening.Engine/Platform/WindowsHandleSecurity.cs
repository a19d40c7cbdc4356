using System;
using System.Runtime.InteropServices;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The owner and DACL of an open Windows handle (GetSecurityInfo), so they describe the file that was opened and not
    /// whatever its path names a moment later. The descriptor is parsed by <see cref="WindowsSecurityDescriptor"/>, as
    /// the path-based reader does. Only reached when the platform is Windows.
    /// </summary>
    internal static class WindowsHandleSecurity
    {
        internal sealed class Descriptor
        {
            public Descriptor(byte[] bytes)
            {
                Bytes = bytes;
                OwnerSid = WindowsSecurityDescriptor.Parse(bytes)?.Owner?.Value;
            }

            public byte[] Bytes { get; }
            public string? OwnerSid { get; }
            public FileAccessInfo? Access(string path) => WindowsSecurityDescriptor.ToFileAccess(path, Bytes, WindowsFileSecurity.NameOf);
        }

        public static Descriptor? Read(SafeHandle handle)
        {
            const int SeFileObject = 1;
            const int OwnerSecurityInformation = 0x1, DaclSecurityInformation = 0x4;
            uint rc = Native.GetSecurityInfo(handle, SeFileObject, OwnerSecurityInformation | DaclSecurityInformation,
                out _, out _, out _, out _, out var descriptor);
            if (rc != 0 || descriptor == IntPtr.Zero) return null;
            try
            {
                int length = SelfRelativeLength(offset => Marshal.ReadByte(descriptor, offset));
                if (length <= 0 || length > 1 << 20) return null;
                var bytes = new byte[length];
                Marshal.Copy(descriptor, bytes, 0, length);
                return new Descriptor(bytes);
            }
            finally { Marshal.FreeHGlobal(descriptor); } // LocalFree, which GetSecurityInfo asks for
        }

        /// <summary>
        /// The size of a self-relative security descriptor (MS-DTYP 2.4.6): its 20-byte header and the farthest end of
        /// the owner and group SIDs and the SACL and DACL it points to. -1 when it is not self-relative.
        /// </summary>
        internal static int SelfRelativeLength(Func<int, byte> at)
        {
            if (at(0) != 1 || ((at(2) | at(3) << 8) & 0x8000) == 0) return -1;
            int U32(int o) => at(o) | at(o + 1) << 8 | at(o + 2) << 16 | at(o + 3) << 24;
            int end = 20;
            int owner = U32(4), group = U32(8), sacl = U32(12), dacl = U32(16);
            foreach (var sid in new[] { owner, group })
                if (sid > 0) end = Math.Max(end, sid + 8 + 4 * at(sid + 1));
            foreach (var acl in new[] { sacl, dacl })
                if (acl > 0) end = Math.Max(end, acl + (at(acl + 2) | at(acl + 3) << 8));
            return end;
        }

        private static class Native
        {
            [DllImport("advapi32.dll", ExactSpelling = true)]
            public static extern uint GetSecurityInfo(SafeHandle handle, int objectType, int securityInfo,
                out IntPtr owner, out IntPtr group, out IntPtr dacl, out IntPtr sacl, out IntPtr securityDescriptor);
        }
    }
}
