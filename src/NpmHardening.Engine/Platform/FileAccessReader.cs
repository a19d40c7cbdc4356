using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Who besides a file's owner can read or change it: Unix mode bits and owner, or the Windows DACL.
    /// </summary>
    /// <remarks>
    /// <para><b>Unix</b> (only ever .NET Core / .NET: PowerShell 7). The mode comes from the public
    /// <c>File.GetUnixFileMode(string)</c> (.NET 7+), reached by reflection because netstandard2.0 does not
    /// declare it. The owner needs a uid, which no public .NET API exposes, and libc's <c>struct stat</c>
    /// differs per architecture and libc, so we ask the runtime's own native shim instead:
    /// <c>SystemNative_Stat</c> in <c>libSystem.Native</c> fills .NET's <c>FileStatus</c>, whose first
    /// fields (Flags, Mode, Uid, Gid as 32-bit integers) have been the same on every platform since
    /// .NET Core 1.0; <c>SystemNative_GetPwUidR</c> fills a PAL <c>Passwd</c> whose first field is the
    /// name. Both ship with every runtime PowerShell 7 runs on. When the shim cannot be loaded (a trimmed
    /// single-file host) the owner falls back to /etc/passwd, then the numeric uid, and the mode still
    /// comes from the public API; on .NET 6 (no GetUnixFileMode) the shim's mode is used.</para>
    /// <para><b>Windows</b> (.NET Framework 4.x and .NET): <c>GetNamedSecurityInfoW</c> (advapi32, the same
    /// on both runtimes, no package) returns the self-relative security descriptor; a small pure parser
    /// (<see cref="WindowsSecurityDescriptor"/>) walks the DACL, so the classification is unit-tested on
    /// any OS. Names come from a table of well-known SIDs (English, stable across locales), else
    /// <c>LookupAccountSidW</c> (cached), else the SID string.</para>
    /// </remarks>
    internal static class FileAccessReader
    {
        public static FileAccessInfo? Read(SystemPlatform platform, string path)
        {
            if (string.IsNullOrEmpty(path)) return null;
            try
            {
                if (!File.Exists(path) && !Directory.Exists(path)) return null;
                return platform.IsWindows ? WindowsFileSecurity.Read(path) : UnixFileStatus.Read(path);
            }
            catch (Exception e) when (IsProbeFailure(e))
            {
                return null;
            }
        }

        /// <summary>Exceptions that mean "cannot tell" for a best-effort native or reflective probe.</summary>
        internal static bool IsProbeFailure(Exception e) =>
            e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException
            || e is TypeLoadException /* DllNotFound, EntryPointNotFound */ || e is MissingMemberException
            || e is BadImageFormatException || e is TargetInvocationException || e is System.Security.SecurityException
            || e is MarshalDirectiveException || e is InvalidOperationException;

        /// <summary>Unix: the pure classification of permission bits.</summary>
        public static FileAccessInfo FromUnixMode(string path, string? owner, int mode)
        {
            mode &= 0xFFF; // 07777: permission, set-id and sticky bits, no file type
            var readers = new List<string>(2);
            var writers = new List<string>(2);
            if ((mode & 0x20) != 0) readers.Add("group");  // 0040 g+r
            if ((mode & 0x04) != 0) readers.Add("others"); // 0004 o+r
            if ((mode & 0x10) != 0) writers.Add("group");  // 0020 g+w
            if ((mode & 0x02) != 0) writers.Add("others"); // 0002 o+w
            return new FileAccessInfo(path, owner, mode, readers, writers);
        }
    }

    /// <summary>Unix stat through the public .NET API and the runtime's native shim. Never called on Windows.</summary>
    internal static class UnixFileStatus
    {
        private static readonly Lazy<MethodInfo?> GetUnixFileMode = new Lazy<MethodInfo?>(() =>
            typeof(File).GetMethod("GetUnixFileMode", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null));

        private static readonly IdCache<string> UserNames = new IdCache<string>();
        private static volatile bool _shimMissing;

        public static FileAccessInfo? Read(string path)
        {
            int? mode = PublicMode(path);
            string? owner = null;
            if (TryStat(path, out var statMode, out var uid))
            {
                mode ??= statMode;
                owner = UserName(uid);
            }
            return mode.HasValue ? FileAccessReader.FromUnixMode(path, owner, mode.Value) : null;
        }

        /// <summary>File.GetUnixFileMode (follows symbolic links), when the runtime has it.</summary>
        internal static int? PublicMode(string path)
        {
            var method = GetUnixFileMode.Value;
            if (method == null) return null;
            try { return Convert.ToInt32(method.Invoke(null, new object[] { path })); }
            catch (TargetInvocationException e) when (e.InnerException != null && FileAccessReader.IsProbeFailure(e.InnerException)) { return null; }
        }

        /// <summary>stat(2), following links: the st_mode and st_uid of a path.</summary>
        internal static bool TryStat(string path, out int mode, out uint uid)
        {
            mode = 0; uid = 0;
            if (_shimMissing) return false;
            // .NET's FileStatus is ~120 bytes today; the fields we read are the first 12.
            var buffer = new byte[512];
            int rc;
            try
            {
                try { rc = Native.Stat(path, buffer); }
                catch (EntryPointNotFoundException) { rc = Native.Stat2(path, buffer); } // .NET Core 2.x name
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                _shimMissing = true;
                return false;
            }
            if (rc != 0) return false;
            mode = BitConverter.ToInt32(buffer, 4);
            uid = BitConverter.ToUInt32(buffer, 8);
            return true;
        }

        /// <summary>The account name for a uid (getpwuid_r through the shim, so NSS/Directory Services answer), else /etc/passwd, else the number.</summary>
        internal static string UserName(uint uid) => UserNames.GetOrAdd(uid, LookupUserName);

        private static string LookupUserName(uint uid)
        {
            var name = ShimUserName(uid);
            if (name != null) return name;
            try
            {
                if (File.Exists("/etc/passwd"))
                    foreach (var entry in PasswdFile.Parse(File.ReadAllText("/etc/passwd")))
                        if (entry.Uid == uid) return entry.Name;
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { }
            return uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        private static string? ShimUserName(uint uid)
        {
            if (_shimMissing) return null;
            // PAL Passwd: char* Name; char* Password; uint32 UserId; uint32 GroupId; char* UserInfo; char* HomeDirectory; char* Shell.
            var passwd = Marshal.AllocHGlobal(128);
            try
            {
                for (int size = 1024; size <= 1 << 20; size *= 4)
                {
                    var buffer = Marshal.AllocHGlobal(size);
                    try
                    {
                        int rc = Native.GetPwUidR(uid, passwd, buffer, size);
                        if (rc == 0)
                        {
                            var namePtr = Marshal.ReadIntPtr(passwd, 0);
                            var name = namePtr == IntPtr.Zero ? null : Marshal.PtrToStringAnsi(namePtr);
                            return string.IsNullOrEmpty(name) ? null : name;
                        }
                        if (rc == -1) return null; // no such user
                        // otherwise an errno: ERANGE wants a larger buffer; anything else retries once more and gives up
                    }
                    finally { Marshal.FreeHGlobal(buffer); }
                }
                return null;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                _shimMissing = true;
                return null;
            }
            finally { Marshal.FreeHGlobal(passwd); }
        }

        private static class Native
        {
            private const string Shim = "libSystem.Native";

            [DllImport(Shim, EntryPoint = "SystemNative_Stat", SetLastError = true)]
            public static extern int Stat(string path, [In, Out] byte[] fileStatus);

            [DllImport(Shim, EntryPoint = "SystemNative_Stat2", SetLastError = true)]
            public static extern int Stat2(string path, [In, Out] byte[] fileStatus);

            [DllImport(Shim, EntryPoint = "SystemNative_GetPwUidR", SetLastError = false)]
            public static extern int GetPwUidR(uint uid, IntPtr passwd, IntPtr buffer, int bufferLength);
        }
    }

    /// <summary>A SID as its string form and its binary form (for LookupAccountSid).</summary>
    internal readonly struct WindowsSid
    {
        public WindowsSid(string value, byte[] binary) { Value = value; Binary = binary; }
        public string Value { get; }
        public byte[] Binary { get; }
        public override string ToString() => Value;
    }

    /// <summary>
    /// A pure reader of a self-relative Windows security descriptor (MS-DTYP 2.4.6): owner and who besides
    /// the owner, SYSTEM and Administrators may read or write the object. No Windows API, so it is
    /// unit-tested everywhere.
    /// </summary>
    internal static class WindowsSecurityDescriptor
    {
        // Access mask bits (winnt.h).
        internal const uint FileReadData = 0x0001, FileWriteData = 0x0002, FileAppendData = 0x0004;
        internal const uint WriteDac = 0x00040000, WriteOwner = 0x00080000;
        internal const uint GenericRead = 0x80000000, GenericWrite = 0x40000000, GenericExecute = 0x20000000, GenericAll = 0x10000000;
        internal const uint FileGenericRead = 0x00120089, FileGenericWrite = 0x00120116, FileGenericExecute = 0x001200A0, FileAllAccess = 0x001F01FF;

        /// <summary>Rights that let a principal read the contents.</summary>
        internal const uint ReadMask = FileReadData;
        /// <summary>Rights that let a principal change the contents, or grant itself that right (WRITE_DAC, WRITE_OWNER).</summary>
        internal const uint WriteMask = FileWriteData | FileAppendData | WriteDac | WriteOwner;

        private const ushort SeDaclPresent = 0x0004, SeSelfRelative = 0x8000;
        private const byte InheritOnlyAce = 0x08;
        private const byte AccessAllowed = 0x00, AccessDenied = 0x01, AccessAllowedCallback = 0x09;

        /// <summary>Principals that never count as "others": they can read everything anyway or are the owner.</summary>
        internal static readonly HashSet<string> Trusted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "S-1-5-18",     // NT AUTHORITY\SYSTEM
            "S-1-5-32-544", // BUILTIN\Administrators
            "S-1-3-4",      // OWNER RIGHTS (the owner)
            "S-1-3-0",      // CREATOR OWNER (a placeholder for inheritance, matches no one on a file)
            "S-1-3-1",      // CREATOR GROUP (likewise)
            "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", // NT SERVICE\TrustedInstaller
        };

        /// <summary>English names for the SIDs that appear on files, stable whatever the Windows display language.</summary>
        internal static readonly Dictionary<string, string> WellKnownNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["S-1-1-0"] = "Everyone",
            ["S-1-0-0"] = "NULL SID",
            ["S-1-2-0"] = "LOCAL",
            ["S-1-3-0"] = "CREATOR OWNER",
            ["S-1-3-1"] = "CREATOR GROUP",
            ["S-1-3-4"] = "OWNER RIGHTS",
            ["S-1-5-1"] = @"NT AUTHORITY\DIALUP",
            ["S-1-5-2"] = @"NT AUTHORITY\NETWORK",
            ["S-1-5-3"] = @"NT AUTHORITY\BATCH",
            ["S-1-5-4"] = @"NT AUTHORITY\INTERACTIVE",
            ["S-1-5-6"] = @"NT AUTHORITY\SERVICE",
            ["S-1-5-7"] = @"NT AUTHORITY\ANONYMOUS LOGON",
            ["S-1-5-11"] = @"NT AUTHORITY\Authenticated Users",
            ["S-1-5-13"] = @"NT AUTHORITY\TERMINAL SERVER USER",
            ["S-1-5-14"] = @"NT AUTHORITY\REMOTE INTERACTIVE LOGON",
            ["S-1-5-18"] = @"NT AUTHORITY\SYSTEM",
            ["S-1-5-19"] = @"NT AUTHORITY\LOCAL SERVICE",
            ["S-1-5-20"] = @"NT AUTHORITY\NETWORK SERVICE",
            ["S-1-5-32-544"] = @"BUILTIN\Administrators",
            ["S-1-5-32-545"] = @"BUILTIN\Users",
            ["S-1-5-32-546"] = @"BUILTIN\Guests",
            ["S-1-5-32-547"] = @"BUILTIN\Power Users",
            ["S-1-5-32-555"] = @"BUILTIN\Remote Desktop Users",
            ["S-1-5-32-568"] = @"BUILTIN\IIS_IUSRS",
            ["S-1-15-2-1"] = @"APPLICATION PACKAGE AUTHORITY\ALL APPLICATION PACKAGES",
            ["S-1-15-2-2"] = @"APPLICATION PACKAGE AUTHORITY\ALL RESTRICTED APPLICATION PACKAGES",
            ["S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"] = @"NT SERVICE\TrustedInstaller",
        };

        /// <summary>The parsed owner and the non-trusted principals that can read or write.</summary>
        internal sealed class Result
        {
            public WindowsSid? Owner { get; set; }
            public List<WindowsSid> Readers { get; } = new List<WindowsSid>();
            public List<WindowsSid> Writers { get; } = new List<WindowsSid>();
            /// <summary>Every SID an ACE names, with the rights it is allowed (generic rights mapped), trusted ones included.</summary>
            public List<KeyValuePair<WindowsSid, uint>> Grants { get; } = new List<KeyValuePair<WindowsSid, uint>>();
        }

        /// <summary>
        /// Reads a self-relative security descriptor; null when it is malformed. A missing (NULL) DACL grants
        /// everyone everything and is reported as Everyone. ACEs are evaluated per SID in order, as Windows
        /// does for each right (the first ACE that mentions a right decides it), with generic rights mapped to
        /// file rights; inherit-only ACEs do not apply to the object itself. Group membership is not
        /// evaluated: a Deny for Everyone does not hide an Allow for Users, which over-reports, never under.
        /// </summary>
        public static Result? Parse(byte[] sd)
        {
            if (sd == null || sd.Length < 20 || sd[0] != 1) return null;
            ushort control = U16(sd, 2);
            if ((control & SeSelfRelative) == 0) return null;
            uint ownerOffset = U32(sd, 4), daclOffset = U32(sd, 16);
            var result = new Result();
            if (ownerOffset != 0)
            {
                var owner = ReadSid(sd, (int)ownerOffset);
                if (owner == null) return null;
                result.Owner = owner;
            }

            if ((control & SeDaclPresent) == 0 || daclOffset == 0)
            {
                var everyone = new WindowsSid("S-1-1-0", new byte[] { 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 });
                result.Readers.Add(everyone);
                result.Writers.Add(everyone);
                result.Grants.Add(new KeyValuePair<WindowsSid, uint>(everyone, FileAllAccess));
                return result;
            }

            int acl = (int)daclOffset;
            if (acl < 0 || acl + 8 > sd.Length) return null;
            int aclSize = U16(sd, acl + 2), aceCount = U16(sd, acl + 4);
            int aclEnd = Math.Min(sd.Length, acl + aclSize);

            var order = new List<string>();
            var sids = new Dictionary<string, WindowsSid>(StringComparer.OrdinalIgnoreCase);
            var allowed = new Dictionary<string, uint>(StringComparer.OrdinalIgnoreCase);
            var denied = new Dictionary<string, uint>(StringComparer.OrdinalIgnoreCase);

            int pos = acl + 8;
            for (int i = 0; i < aceCount; i++)
            {
                if (pos + 8 > aclEnd) return null;
                byte type = sd[pos], flags = sd[pos + 1];
                int size = U16(sd, pos + 2);
                if (size < 8 || pos + size > aclEnd) return null;
                bool isAllow = type == AccessAllowed || type == AccessAllowedCallback; // a conditional allow may apply: count it
                bool isDeny = type == AccessDenied;                                  // a conditional deny may not: ignore it
                if ((isAllow || isDeny) && (flags & InheritOnlyAce) == 0 && size >= 8 + 8)
                {
                    uint mask = MapGeneric(U32(sd, pos + 4));
                    var sid = ReadSid(sd, pos + 8, pos + size);
                    if (sid == null) return null;
                    var key = sid.Value.Value;
                    if (!sids.ContainsKey(key)) { sids[key] = sid.Value; order.Add(key); allowed[key] = 0; denied[key] = 0; }
                    if (isAllow) allowed[key] |= mask & ~denied[key];
                    else denied[key] |= mask & ~allowed[key];
                }
                pos += size;
            }

            var ownerSid = result.Owner?.Value;
            foreach (var key in order) result.Grants.Add(new KeyValuePair<WindowsSid, uint>(sids[key], allowed[key]));
            foreach (var key in order)
            {
                if (Trusted.Contains(key) || (ownerSid != null && string.Equals(key, ownerSid, StringComparison.OrdinalIgnoreCase))) continue;
                if ((allowed[key] & ReadMask) != 0) result.Readers.Add(sids[key]);
                if ((allowed[key] & WriteMask) != 0) result.Writers.Add(sids[key]);
            }
            return result;
        }

        /// <summary>Generic rights as the file object's generic mapping turns them into specific rights.</summary>
        internal static uint MapGeneric(uint mask)
        {
            if ((mask & GenericRead) != 0) mask |= FileGenericRead;
            if ((mask & GenericWrite) != 0) mask |= FileGenericWrite;
            if ((mask & GenericExecute) != 0) mask |= FileGenericExecute;
            if ((mask & GenericAll) != 0) mask |= FileAllAccess;
            return mask & ~(GenericRead | GenericWrite | GenericExecute | GenericAll);
        }

        /// <summary>The classification as a <see cref="FileAccessInfo"/>, with names from <paramref name="nameOf"/>.</summary>
        public static FileAccessInfo? ToFileAccess(string path, byte[] sd, Func<WindowsSid, string> nameOf)
        {
            var parsed = Parse(sd);
            if (parsed == null) return null;
            return new FileAccessInfo(
                path,
                parsed.Owner.HasValue ? nameOf(parsed.Owner.Value) : null,
                null,
                Names(parsed.Readers, nameOf),
                Names(parsed.Writers, nameOf));
        }

        private static List<string> Names(List<WindowsSid> sids, Func<WindowsSid, string> nameOf)
        {
            var names = new List<string>(sids.Count);
            foreach (var sid in sids)
            {
                var name = nameOf(sid);
                if (!names.Contains(name)) names.Add(name);
            }
            return names;
        }

        /// <summary>The well-known English name, else the SID string (the pure part of naming).</summary>
        public static string WellKnownNameOrSid(WindowsSid sid) => WellKnownNames.TryGetValue(sid.Value, out var n) ? n : sid.Value;

        /// <summary>Reads a SID at <paramref name="offset"/>: S-Revision-Authority-Sub1-…</summary>
        internal static WindowsSid? ReadSid(byte[] data, int offset, int limit = -1)
        {
            if (limit < 0) limit = data.Length;
            if (offset < 0 || offset + 8 > limit) return null;
            int count = data[offset + 1];
            int length = 8 + 4 * count;
            if (data[offset] != 1 || count > 15 || offset + length > limit) return null;
            ulong authority = 0;
            for (int i = 2; i < 8; i++) authority = (authority << 8) | data[offset + i];
            var sb = new StringBuilder("S-1-");
            sb.Append(authority < (1UL << 32)
                ? authority.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : "0x" + authority.ToString("X12", System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < count; i++)
                sb.Append('-').Append(U32(data, offset + 8 + 4 * i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var binary = new byte[length];
            Buffer.BlockCopy(data, offset, binary, 0, length);
            return new WindowsSid(sb.ToString(), binary);
        }

        private static ushort U16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));
        private static uint U32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
    }

    /// <summary>The Windows calls behind file access. Only reached when the platform is Windows.</summary>
    internal static class WindowsFileSecurity
    {
        private static readonly ConcurrentDictionary<string, string> AccountNames = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public static FileAccessInfo? Read(string path)
        {
            var sd = ReadSecurityDescriptor(path);
            return sd == null ? null : WindowsSecurityDescriptor.ToFileAccess(path, sd, NameOf);
        }

        /// <summary>The self-relative security descriptor (owner + DACL) of a file or folder; null on failure.</summary>
        internal static byte[]? ReadSecurityDescriptor(string path)
        {
            const int SeFileObject = 1;
            const int OwnerSecurityInformation = 0x1, DaclSecurityInformation = 0x4;
            var target = LongPath(path);
            uint rc = Native.GetNamedSecurityInfo(target, SeFileObject, OwnerSecurityInformation | DaclSecurityInformation,
                out _, out _, out _, out _, out var descriptor);
            if (rc != 0 || descriptor == IntPtr.Zero) return null;
            try
            {
                uint length = Native.GetSecurityDescriptorLength(descriptor);
                if (length == 0 || length > 1 << 20) return null;
                var bytes = new byte[length];
                Marshal.Copy(descriptor, bytes, 0, (int)length);
                return bytes;
            }
            finally { Native.LocalFree(descriptor); }
        }

        private static string LongPath(string path)
        {
            var full = Path.GetFullPath(path);
            if (full.Length < 248 || full.StartsWith(@"\\?\", StringComparison.Ordinal)) return full;
            return full.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + full.Substring(2) : @"\\?\" + full;
        }

        /// <summary>Well-known English name, else DOMAIN\name from LSA (cached per SID), else the SID string.</summary>
        internal static string NameOf(WindowsSid sid)
        {
            if (WindowsSecurityDescriptor.WellKnownNames.TryGetValue(sid.Value, out var known)) return known;
            return AccountNames.GetOrAdd(sid.Value, _ => LookupAccount(sid.Binary) ?? sid.Value);
        }

        private static string? LookupAccount(byte[] sid)
        {
            try
            {
                int nameLength = 256, domainLength = 256;
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    var name = new StringBuilder(nameLength);
                    var domain = new StringBuilder(domainLength);
                    if (Native.LookupAccountSid(null, sid, name, ref nameLength, domain, ref domainLength, out _))
                        return domain.Length > 0 ? domain + @"\" + name : name.ToString();
                    if (Marshal.GetLastWin32Error() != 122 /* ERROR_INSUFFICIENT_BUFFER */) return null;
                }
                return null;
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { return null; }
        }

        private static class Native
        {
            [DllImport("advapi32.dll", EntryPoint = "GetNamedSecurityInfoW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern uint GetNamedSecurityInfo(string objectName, int objectType, int securityInfo,
                out IntPtr owner, out IntPtr group, out IntPtr dacl, out IntPtr sacl, out IntPtr securityDescriptor);

            [DllImport("advapi32.dll", ExactSpelling = true)]
            public static extern uint GetSecurityDescriptorLength(IntPtr securityDescriptor);

            [DllImport("advapi32.dll", EntryPoint = "LookupAccountSidW", CharSet = CharSet.Unicode, ExactSpelling = true, SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool LookupAccountSid(string? systemName, byte[] sid, StringBuilder name, ref int nameLength,
                StringBuilder domain, ref int domainLength, out int use);

            [DllImport("kernel32.dll", ExactSpelling = true)]
            public static extern IntPtr LocalFree(IntPtr memory);
        }
    }
}
