using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpmHardening.Engine.Platform
{
    /// <summary>Who a new Windows file should belong to, and the security descriptor that says so.</summary>
    internal sealed class WindowsNewFileSecurityPlan
    {
        public WindowsNewFileSecurityPlan(string ownerSid, bool ownerOnly, string source, byte[] descriptor)
        {
            OwnerSid = ownerSid; OwnerOnly = ownerOnly; Source = source; Descriptor = descriptor;
        }

        /// <summary>The SID the file is given to.</summary>
        public string OwnerSid { get; }
        /// <summary>A protected DACL granting only the owner, SYSTEM and Administrators is set too (npm's 0600); else only the owner changes and the inherited DACL stays.</summary>
        public bool OwnerOnly { get; }
        /// <summary>Where the owner came from, for messages: "profile" or "folder".</summary>
        public string Source { get; }
        /// <summary>A self-relative security descriptor (owner, and the DACL when <see cref="OwnerOnly"/>), ready for SetNamedSecurityInfoW.</summary>
        public byte[] Descriptor { get; }
        /// <summary>The same descriptor in SDDL (what <c>(Get-Acl).Sddl</c> shows for owner and DACL), for messages and tests.</summary>
        public string Sddl => WindowsNewFileSecurity.Sddl(OwnerSid, OwnerOnly);
        /// <summary>SECURITY_INFORMATION flags to pass with the descriptor.</summary>
        public uint SecurityInformation => OwnerOnly
            ? WindowsNewFileSecurity.OwnerSecurityInformation | WindowsNewFileSecurity.DaclSecurityInformation | WindowsNewFileSecurity.ProtectedDaclSecurityInformation
            : WindowsNewFileSecurity.OwnerSecurityInformation;
    }

    /// <summary>
    /// The pure half of giving a new <c>.npmrc</c> to the right account on Windows (the Windows calls are in
    /// <c>WindowsOwnership</c>). On Unix a new file in a user's profile is chowned to the folder's owner and set to
    /// 0600; the Windows equivalent is an owner plus a protected DACL (no inheritance) that grants full control to
    /// that owner, SYSTEM and BUILTIN\Administrators only: <c>O:&lt;sid&gt;D:P(A;;FA;;;&lt;sid&gt;)(A;;FA;;;SY)(A;;FA;;;BA)</c>.
    /// </summary>
    internal static class WindowsNewFileSecurity
    {
        internal const uint OwnerSecurityInformation = 0x00000001, DaclSecurityInformation = 0x00000004;
        internal const uint ProtectedDaclSecurityInformation = 0x80000000;
        internal const ushort SeDaclPresent = 0x0004, SeDaclProtected = 0x1000, SeSelfRelative = 0x8000;
        internal const string SystemSid = "S-1-5-18", AdministratorsSid = "S-1-5-32-544";

        /// <summary>
        /// Decides the owner of a new file. <paramref name="profileSid"/> (the ProfileList SID of the profile the file
        /// belongs to) wins: a profile's SID is its user, even for SYSTEM's own profile. Otherwise the folder's owner,
        /// but for a private (<paramref name="ownerOnly"/>) file only when that owner is a person's account: a profile
        /// folder owned by SYSTEM or Administrators says nothing about whose profile it is, and an owner-only DACL for
        /// SYSTEM would lock the user out of their own config. With no owner, null and <paramref name="warning"/> says
        /// why (the file then keeps the ACL it inherits from the folder, which in a profile grants its user).
        /// </summary>
        public static WindowsNewFileSecurityPlan? Decide(string? profileSid, string? folderOwnerSid, bool ownerOnly, out string? warning)
        {
            warning = null;
            if (profileSid != null && SidToBytes(profileSid) != null)
                return new WindowsNewFileSecurityPlan(Canonical(profileSid), ownerOnly, "profile", Descriptor(profileSid, ownerOnly));
            if (folderOwnerSid != null && SidToBytes(folderOwnerSid) != null && (!ownerOnly || IsAccountSid(folderOwnerSid)))
                return new WindowsNewFileSecurityPlan(Canonical(folderOwnerSid), ownerOnly, "folder", Descriptor(folderOwnerSid, ownerOnly));
            if (ownerOnly)
                warning = folderOwnerSid == null
                    ? "no user profile matches its folder and the folder's owner cannot be read, so the new file keeps the permissions it inherits from the folder and belongs to the account that ran NpmHardening"
                    : $"no user profile matches its folder and the folder belongs to {WellKnownNameOrSid(folderOwnerSid)}, not to a user, so the new file keeps the permissions it inherits from the folder and belongs to the account that ran NpmHardening";
            return null;
        }

        /// <summary>A person's account: local or domain (S-1-5-21-…) or Entra ID (S-1-12-1-…), as the ProfileList calls real users.</summary>
        internal static bool IsAccountSid(string sid) => !UserProfiles.IsWindowsSystemSid(sid);

        /// <summary>The SDDL of owner and DACL (no group: Windows keeps the group it picks).</summary>
        public static string Sddl(string ownerSid, bool ownerOnly)
        {
            var owner = SddlSid(ownerSid);
            if (!ownerOnly) return "O:" + owner;
            var sb = new System.Text.StringBuilder("O:").Append(owner).Append("D:P");
            foreach (var sid in DaclSids(ownerSid)) sb.Append("(A;;FA;;;").Append(SddlSid(sid)).Append(')');
            return sb.ToString();
        }

        /// <summary>The SIDs granted full control, owner first, each once.</summary>
        internal static List<string> DaclSids(string ownerSid)
        {
            var list = new List<string> { Canonical(ownerSid) };
            foreach (var sid in new[] { SystemSid, AdministratorsSid })
                if (!list.Contains(sid)) list.Add(sid);
            return list;
        }

        /// <summary>SDDL writes well-known SIDs as two-letter aliases; the two this DACL uses are SY and BA.</summary>
        private static string SddlSid(string sid)
        {
            var c = Canonical(sid);
            return c == SystemSid ? "SY" : c == AdministratorsSid ? "BA" : c;
        }

        private static string Canonical(string sid) => "S" + sid.Substring(1);

        private static string WellKnownNameOrSid(string sid) =>
            WindowsSecurityDescriptor.WellKnownNames.TryGetValue(sid, out var name) ? name : sid;

        /// <summary>
        /// A self-relative security descriptor (MS-DTYP 2.4.6): revision 1, control SE_SELF_RELATIVE (and
        /// SE_DACL_PRESENT | SE_DACL_PROTECTED with a DACL), the owner SID at offset 20, then an ACL (revision 2)
        /// of ACCESS_ALLOWED ACEs with FILE_ALL_ACCESS (0x1F01FF, SDDL "FA") and no inheritance flags.
        /// </summary>
        public static byte[] Descriptor(string ownerSid, bool ownerOnly)
        {
            var owner = SidToBytes(ownerSid) ?? throw new ArgumentException($"'{ownerSid}' is not a SID.", nameof(ownerSid));
            var bytes = new List<byte>(128);
            ushort control = SeSelfRelative;
            if (ownerOnly) control |= SeDaclPresent | SeDaclProtected;
            bytes.Add(1); bytes.Add(0); AddU16(bytes, control);
            AddU32(bytes, 20);                                           // owner
            AddU32(bytes, 0);                                            // group: none
            AddU32(bytes, 0);                                            // SACL: none
            AddU32(bytes, ownerOnly ? (uint)(20 + owner.Length) : 0u);   // DACL
            bytes.AddRange(owner);
            if (ownerOnly)
            {
                var aces = new List<byte>();
                var sids = DaclSids(ownerSid);
                foreach (var sid in sids)
                {
                    var sidBytes = SidToBytes(sid)!;
                    aces.Add(0);    // ACCESS_ALLOWED_ACE_TYPE
                    aces.Add(0);    // no inheritance flags: the file itself only
                    AddU16(aces, (ushort)(8 + sidBytes.Length));
                    AddU32(aces, WindowsSecurityDescriptor.FileAllAccess);
                    aces.AddRange(sidBytes);
                }
                bytes.Add(2); bytes.Add(0);                              // ACL_REVISION, Sbz1
                AddU16(bytes, (ushort)(8 + aces.Count));
                AddU16(bytes, (ushort)sids.Count);
                AddU16(bytes, 0);                                        // Sbz2
                bytes.AddRange(aces);
            }
            return bytes.ToArray();
        }

        /// <summary>Offsets of owner and DACL inside a descriptor built by <see cref="Descriptor"/> (0 when absent).</summary>
        internal static void Offsets(byte[] descriptor, out int owner, out int dacl)
        {
            owner = (int)U32(descriptor, 4);
            dacl = (int)U32(descriptor, 16);
        }

        /// <summary>"S-1-5-21-1-2-3-1001" to its binary form (MS-DTYP 2.4.2.2); null when it is not a SID string.</summary>
        public static byte[]? SidToBytes(string sid)
        {
            if (string.IsNullOrEmpty(sid)) return null;
            var parts = sid.Split('-');
            if (parts.Length < 3 || parts.Length > 3 + 15 || !string.Equals(parts[0], "S", StringComparison.OrdinalIgnoreCase) || parts[1] != "1") return null;
            ulong authority;
            if (parts[2].StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (!ulong.TryParse(parts[2].Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out authority)) return null;
            }
            else if (!ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out authority)) return null;
            if (authority >= 1UL << 48) return null;
            var bytes = new List<byte>(8 + 4 * (parts.Length - 3)) { 1, (byte)(parts.Length - 3) };
            for (int i = 5; i >= 0; i--) bytes.Add((byte)(authority >> (8 * i)));
            for (int i = 3; i < parts.Length; i++)
            {
                if (!uint.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var sub)) return null;
                AddU32(bytes, sub);
            }
            return bytes.ToArray();
        }

        private static void AddU16(List<byte> b, ushort v) { b.Add((byte)v); b.Add((byte)(v >> 8)); }
        private static void AddU32(List<byte> b, uint v) { b.Add((byte)v); b.Add((byte)(v >> 8)); b.Add((byte)(v >> 16)); b.Add((byte)(v >> 24)); }
        private static uint U32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
    }
}
