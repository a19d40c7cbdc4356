using System;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Owner and DACL set on an open handle (SetSecurityInfo), never by name: the object that gets them is the one
    /// that was created or checked. Giving a file to another account needs SeRestorePrivilege, which SYSTEM and
    /// elevated administrators hold but have disabled: it is enabled for the call and put back afterwards.
    /// </summary>
    internal static class WindowsSecurity
    {
        private const ushort SeDaclPresent = 0x0004, SeDaclProtected = 0x1000;

        /// <summary>
        /// Applies owner and (when present) DACL of a self-relative <paramref name="descriptor"/> to the handle, keeping its
        /// protection; null on success, else the reason. <paramref name="withDacl"/> false sets the owner only.
        /// </summary>
        public static string? Apply(SafeFileHandle handle, byte[] descriptor, bool withDacl)
        {
            if (descriptor.Length < 20) return "the security descriptor is malformed";
            ushort control = (ushort)(descriptor[2] | (descriptor[3] << 8));
            int ownerOffset = BitConverter.ToInt32(descriptor, 4), daclOffset = BitConverter.ToInt32(descriptor, 16);
            bool hasDacl = withDacl && (control & SeDaclPresent) != 0 && daclOffset != 0;
            uint info = (ownerOffset != 0 ? WindowsNative.OwnerSecurityInformation : 0)
                | (hasDacl ? WindowsNative.DaclSecurityInformation | ((control & SeDaclProtected) != 0 ? WindowsNative.ProtectedDacl : WindowsNative.UnprotectedDacl) : 0);
            if (info == 0) return null;
            // unmanaged, pointer-aligned memory: SetSecurityInfo takes PSID and PACL pointers into it
            var buffer = Marshal.AllocHGlobal(descriptor.Length);
            try
            {
                Marshal.Copy(descriptor, 0, buffer, descriptor.Length);
                var pOwner = ownerOffset == 0 ? IntPtr.Zero : IntPtr.Add(buffer, ownerOffset);
                var pDacl = hasDacl ? IntPtr.Add(buffer, daclOffset) : IntPtr.Zero;
                uint rc = WindowsNative.SetSecurityInfo(handle, WindowsNative.SeFileObject, info, pOwner, IntPtr.Zero, pDacl, IntPtr.Zero);
                if (rc == 0) return null;
                uint first = rc;
                if (!WithPrivilege("SeRestorePrivilege", () => rc = WindowsNative.SetSecurityInfo(handle, WindowsNative.SeFileObject, info, pOwner, IntPtr.Zero, pDacl, IntPtr.Zero)))
                    return "Windows error " + first.ToString(CultureInfo.InvariantCulture) + " and SeRestorePrivilege is not available to this account";
                return rc == 0 ? null : "Windows error " + rc.ToString(CultureInfo.InvariantCulture) + " even with SeRestorePrivilege";
            }
            finally { Marshal.FreeHGlobal(buffer); }
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
        }
    }
}
