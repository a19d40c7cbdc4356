using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>The POSIX permissions a check asks for.</summary>
    [Flags]
    internal enum UnixAccess
    {
        Execute = 1,
        Write = 2,
        Read = 4,
    }

    /// <summary>One entry of a POSIX.1e access ACL (the <c>system.posix_acl_access</c> attribute on Linux).</summary>
    internal readonly struct PosixAclEntry
    {
        public const ushort UserObj = 0x01, User = 0x02, GroupObj = 0x04, Group = 0x08, Mask = 0x10, Other = 0x20;

        public PosixAclEntry(ushort tag, int permissions, uint id) { Tag = tag; Permissions = permissions; Id = id; }
        public ushort Tag { get; }
        public int Permissions { get; }
        public uint Id { get; }
    }

    /// <summary>
    /// The kernel's discretionary access check, done for somebody else: what a <see cref="FilePrincipal"/> may do to a
    /// file given its owner, group, mode bits and (Linux) POSIX ACL — the algorithm of POSIX.1e §23.1.5 that Linux and
    /// macOS apply. Privileges (root's CAP_DAC_OVERRIDE) are deliberately not modelled: a principal is never root.
    /// </summary>
    internal static class UnixAccessCheck
    {
        private static readonly IdCache<uint[]> GroupCache = new IdCache<uint[]>();

        /// <summary>Whether <paramref name="principal"/> may do <paramref name="wanted"/> on an object with this status and ACL.</summary>
        public static bool Allows(FilePrincipal principal, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl, UnixAccess wanted, Func<uint, uint[]>? groupsOf = null)
        {
            int want = (int)wanted;
            switch (principal.Kind)
            {
                case FilePrincipalKind.User:
                    return UserAllows(principal.Id, (groupsOf ?? GroupsOf)(principal.Id), stat, acl, want);
                case FilePrincipalKind.GroupMembers:
                {
                    // Any member might be the one acting: the group class applies, but a member named in the ACL gets its
                    // own entry instead, so every named user entry must allow it too.
                    bool allowed = GroupClassAllows(null, new[] { principal.Id }, stat, acl, want);
                    if (allowed && acl != null)
                        foreach (var e in acl)
                            if (e.Tag == PosixAclEntry.User && (e.Permissions & MaskOf(stat, acl) & want) != want) return false;
                    return allowed;
                }
                default:
                    return (OtherPermissions(stat, acl) & want) == want;
            }
        }

        private static bool UserAllows(uint uid, uint[] groups, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl, int want)
        {
            if (uid == stat.Uid)
            {
                int owner = acl != null ? Entry(acl, PosixAclEntry.UserObj) ?? 0 : (stat.Permissions >> 6) & 7;
                return (owner & want) == want;
            }
            if (acl != null)
                foreach (var e in acl)
                    if (e.Tag == PosixAclEntry.User && e.Id == uid) return (e.Permissions & MaskOf(stat, acl) & want) == want;
            return GroupClassAllows(uid, groups, stat, acl, want);
        }

        /// <summary>Owning group and named groups: allowed when one matching entry grants it all; matched but none grants: denied.</summary>
        private static bool GroupClassAllows(uint? uid, uint[] groups, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl, int want)
        {
            bool matched = false;
            if (acl == null)
            {
                if (Array.IndexOf(groups, stat.Gid) >= 0) return (((stat.Permissions >> 3) & 7) & want) == want;
                return (OtherPermissions(stat, null) & want) == want;
            }
            int mask = MaskOf(stat, acl);
            foreach (var e in acl)
            {
                bool member = e.Tag == PosixAclEntry.GroupObj ? Array.IndexOf(groups, stat.Gid) >= 0
                    : e.Tag == PosixAclEntry.Group && Array.IndexOf(groups, e.Id) >= 0;
                if (!member) continue;
                matched = true;
                if ((e.Permissions & mask & want) == want) return true;
            }
            return !matched && (OtherPermissions(stat, acl) & want) == want;
        }

        private static int OtherPermissions(UnixStat stat, IReadOnlyList<PosixAclEntry>? acl) =>
            acl != null ? Entry(acl, PosixAclEntry.Other) ?? (stat.Permissions & 7) : stat.Permissions & 7;

        private static int MaskOf(UnixStat stat, IReadOnlyList<PosixAclEntry> acl) => Entry(acl, PosixAclEntry.Mask) ?? 7;

        private static int? Entry(IReadOnlyList<PosixAclEntry> acl, ushort tag)
        {
            foreach (var e in acl) if (e.Tag == tag) return e.Permissions;
            return null;
        }

        /// <summary>The POSIX access ACL of an open file or folder (Linux); null when it has none.</summary>
        public static IReadOnlyList<PosixAclEntry>? ReadAcl(int fd) => ParseAcl(UnixLibc.GetXattr(fd, "system.posix_acl_access"));

        /// <summary>
        /// The ACL of a folder held open for later checks, read only where one of them would look at it: a principal's
        /// permissions (<see cref="Allows"/>: a named entry can deny what the mode bits allow), or who controls the
        /// folder's entries (<see cref="EntryControllers"/> is given the ACL only when the group write bit, which is the
        /// ACL's mask, lets named users or groups write). Otherwise null, with no fgetxattr: nothing would read it.
        /// </summary>
        public static IReadOnlyList<PosixAclEntry>? AclIfNeeded(int fd, UnixStat folder, bool principalsToCheck) =>
            principalsToCheck || (folder.Permissions & 0x10) != 0 ? ReadAcl(fd) : null;

        /// <summary>
        /// Parses <c>system.posix_acl_access</c>: a little-endian version 2 header, then (tag u16, perm u16, id u32)
        /// entries. Null for a missing or malformed attribute (then the mode bits are the whole story).
        /// </summary>
        public static IReadOnlyList<PosixAclEntry>? ParseAcl(byte[]? value)
        {
            if (value == null || value.Length < 4 || (value.Length - 4) % 8 != 0 || BitConverter.ToUInt32(value, 0) != 2) return null;
            var entries = new List<PosixAclEntry>((value.Length - 4) / 8);
            for (int o = 4; o < value.Length; o += 8)
                entries.Add(new PosixAclEntry(BitConverter.ToUInt16(value, o), BitConverter.ToUInt16(value, o + 2) & 7, BitConverter.ToUInt32(value, o + 4)));
            return entries;
        }

        /// <summary>Who besides the trusted accounts can add, remove or rename entries of a folder (write and search on it).</summary>
        /// <remarks>A list rather than an iterator: every file a scan reads asks this of its folder, and nearly always
        /// the answer is nobody (the shared empty list, nothing allocated).</remarks>
        public static IReadOnlyList<FilePrincipal> EntryControllers(UnixStat folder, IReadOnlyList<PosixAclEntry>? acl, UnixStat? entry, Func<uint, bool> trustedUser)
        {
            const int WriteSearch = 3;
            List<FilePrincipal>? found = null;
            bool sticky = (folder.Permissions & 0x200) != 0;
            if (!trustedUser(folder.Uid)) Add(ref found, FilePrincipal.UnixUser(folder.Uid, UnixAccounts.NameOf(folder.Uid)));
            // In a sticky folder (/tmp) only an entry's owner (and the folder's) can remove or rename it.
            if (sticky)
            {
                if (entry is UnixStat e && !trustedUser(e.Uid)) Add(ref found, FilePrincipal.UnixUser(e.Uid, UnixAccounts.NameOf(e.Uid)));
                return Found(found);
            }
            int mask = acl != null ? MaskOf(folder, acl) : 7;
            int groupBits = acl != null ? (Entry(acl, PosixAclEntry.GroupObj) ?? 0) & mask : (folder.Permissions >> 3) & 7;
            if ((groupBits & WriteSearch) == WriteSearch && folder.Gid != 0) Add(ref found, FilePrincipal.UnixGroup(folder.Gid, UnixAccounts.GroupNameOf(folder.Gid)));
            if ((OtherPermissions(folder, acl) & WriteSearch) == WriteSearch) Add(ref found, FilePrincipal.Anyone);
            if (acl == null) return Found(found);
            foreach (var a in acl)
            {
                if ((a.Permissions & mask & WriteSearch) != WriteSearch) continue;
                if (a.Tag == PosixAclEntry.User && !trustedUser(a.Id)) Add(ref found, FilePrincipal.UnixUser(a.Id, UnixAccounts.NameOf(a.Id)));
                else if (a.Tag == PosixAclEntry.Group && a.Id != 0) Add(ref found, FilePrincipal.UnixGroup(a.Id, UnixAccounts.GroupNameOf(a.Id)));
            }
            return Found(found);
        }

        /// <summary>Who besides the trusted accounts can change a file's bytes: its owner, and the group or others when they may write.</summary>
        public static IReadOnlyList<FilePrincipal> ContentControllers(UnixStat file, IReadOnlyList<PosixAclEntry>? acl, Func<uint, bool> trustedUser)
        {
            List<FilePrincipal>? found = null;
            if (!trustedUser(file.Uid)) Add(ref found, FilePrincipal.UnixUser(file.Uid, UnixAccounts.NameOf(file.Uid)));
            int mask = acl != null ? MaskOf(file, acl) : 7;
            int groupBits = acl != null ? (Entry(acl, PosixAclEntry.GroupObj) ?? 0) & mask : (file.Permissions >> 3) & 7;
            if ((groupBits & 2) != 0 && file.Gid != 0) Add(ref found, FilePrincipal.UnixGroup(file.Gid, UnixAccounts.GroupNameOf(file.Gid)));
            if ((OtherPermissions(file, acl) & 2) != 0) Add(ref found, FilePrincipal.Anyone);
            if (acl == null) return Found(found);
            foreach (var a in acl)
            {
                if ((a.Permissions & mask & 2) == 0) continue;
                if (a.Tag == PosixAclEntry.User && !trustedUser(a.Id)) Add(ref found, FilePrincipal.UnixUser(a.Id, UnixAccounts.NameOf(a.Id)));
                else if (a.Tag == PosixAclEntry.Group && a.Id != 0) Add(ref found, FilePrincipal.UnixGroup(a.Id, UnixAccounts.GroupNameOf(a.Id)));
            }
            return Found(found);
        }

        private static void Add(ref List<FilePrincipal>? found, FilePrincipal principal) => (found ??= new List<FilePrincipal>(2)).Add(principal);

        private static IReadOnlyList<FilePrincipal> Found(List<FilePrincipal>? found) => found ?? (IReadOnlyList<FilePrincipal>)Array.Empty<FilePrincipal>();

        private static uint[] GroupsOf(uint uid) => GroupCache.GetOrAdd(uid, u =>
        {
            var account = UnixLibc.Account(u);
            return account is (string name, uint gid) ? UnixLibc.GroupsOf(name, gid) : Array.Empty<uint>();
        });
    }
}
