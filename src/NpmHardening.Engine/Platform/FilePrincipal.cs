using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpmHardening.Engine.Platform
{
    /// <summary>What kind of party a <see cref="FilePrincipal"/> is.</summary>
    public enum FilePrincipalKind
    {
        /// <summary>One account (a Unix uid, a Windows SID).</summary>
        User,
        /// <summary>Any member of one group (a group-writable folder lets each of them rename its entries).</summary>
        GroupMembers,
        /// <summary>Anyone at all (a world-writable folder without the sticky bit).</summary>
        Anyone,
    }

    /// <summary>
    /// A party other than the account running NpmHardening whose permissions bound what NpmHardening does on a path:
    /// the owner of a profile being audited, or whoever controls a folder or link the path passes through. A file is
    /// read, and a file written, only when every such party could have done the same itself (docs/security.md).
    /// </summary>
    public sealed class FilePrincipal : IEquatable<FilePrincipal>
    {
        private FilePrincipal(FilePrincipalKind kind, uint id, string? sid, string name)
        {
            Kind = kind; Id = id; Sid = sid; Name = name;
        }

        public FilePrincipalKind Kind { get; }
        /// <summary>Unix: the uid (User) or gid (GroupMembers); 0 for Anyone and on Windows.</summary>
        public uint Id { get; }
        /// <summary>Windows: the account's SID.</summary>
        public string? Sid { get; }
        /// <summary>The account or group name, for messages ("alice", "group staff", "anyone").</summary>
        public string Name { get; }

        public static FilePrincipal UnixUser(uint uid, string? name = null) =>
            new FilePrincipal(FilePrincipalKind.User, uid, null, name ?? uid.ToString(CultureInfo.InvariantCulture));

        public static FilePrincipal UnixGroup(uint gid, string? name = null) =>
            new FilePrincipal(FilePrincipalKind.GroupMembers, gid, null, "group " + (name ?? gid.ToString(CultureInfo.InvariantCulture)));

        public static FilePrincipal WindowsAccount(string sid, string? name = null) =>
            new FilePrincipal(FilePrincipalKind.User, 0, sid, name ?? sid);

        public static readonly FilePrincipal Anyone = new FilePrincipal(FilePrincipalKind.Anyone, 0, null, "anyone");

        public bool Equals(FilePrincipal? other) =>
            other != null && Kind == other.Kind && Id == other.Id && string.Equals(Sid, other.Sid, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as FilePrincipal);
        public override int GetHashCode() => ((int)Kind * 397) ^ (int)Id ^ (Sid == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(Sid));
        public override string ToString() => Name;

        /// <summary>"alice, group staff" for messages.</summary>
        public static string Describe(IEnumerable<FilePrincipal> principals) => string.Join(", ", principals);
    }
}
