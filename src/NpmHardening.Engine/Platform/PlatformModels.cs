using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>Who besides a file's owner can read or change it.</summary>
    public sealed class FileAccessInfo
    {
        public FileAccessInfo(string path, string? owner, int? unixMode, IReadOnlyList<string> otherReaders, IReadOnlyList<string> otherWriters)
        {
            Path = path; Owner = owner; UnixMode = unixMode; OtherReaders = otherReaders; OtherWriters = otherWriters;
        }

        public string Path { get; }
        /// <summary>The owner (user name, or DOMAIN\user on Windows) when it can be read.</summary>
        public string? Owner { get; }
        /// <summary>Permission bits on Unix (e.g. 0x180 = 0600); null on Windows.</summary>
        public int? UnixMode { get; }
        /// <summary>Principals other than the owner, SYSTEM and Administrators that can read the file: "group", "others", "BUILTIN\Users", "Everyone", ….</summary>
        public IReadOnlyList<string> OtherReaders { get; }
        /// <summary>Principals other than the owner, SYSTEM and Administrators that can write the file.</summary>
        public IReadOnlyList<string> OtherWriters { get; }
        public bool ReadableByOthers => OtherReaders.Count > 0;
        public bool WritableByOthers => OtherWriters.Count > 0;

        /// <summary>"0644 (group, others can read)" or "BUILTIN\Users can read".</summary>
        public string Summary
        {
            get
            {
                var mode = UnixMode.HasValue ? System.Convert.ToString(UnixMode.Value, 8).PadLeft(4, '0') + " " : "";
                if (OtherReaders.Count == 0 && OtherWriters.Count == 0) return mode + "(owner only)";
                var parts = new List<string>();
                if (OtherReaders.Count > 0) parts.Add(string.Join(", ", OtherReaders) + " can read");
                if (OtherWriters.Count > 0) parts.Add(string.Join(", ", OtherWriters) + " can write");
                return mode + "(" + string.Join("; ", parts) + ")";
            }
        }
    }

    /// <summary>A user profile on the machine.</summary>
    public sealed class UserProfileInfo
    {
        public UserProfileInfo(string userName, string homeDirectory, string? securityId, bool isSystemAccount)
        {
            UserName = userName; HomeDirectory = homeDirectory; SecurityId = securityId; IsSystemAccount = isSystemAccount;
        }

        public string UserName { get; }
        public string HomeDirectory { get; }
        /// <summary>The Windows SID; the numeric uid as text on Unix.</summary>
        public string? SecurityId { get; }
        /// <summary>Service and system accounts (SYSTEM, LocalService, uid &lt; 1000 with no login shell, …).</summary>
        public bool IsSystemAccount { get; }
        public override string ToString() => $"{UserName} ({HomeDirectory})";
    }

    /// <summary>Where a persistent environment variable is defined.</summary>
    public enum EnvironmentScope
    {
        /// <summary>For every user: HKLM\…\Session Manager\Environment on Windows, /etc/environment on Unix.</summary>
        Machine,
        /// <summary>For one user: HKCU\Environment (HKU\&lt;SID&gt;\Environment) on Windows, shell start-up files on Unix.</summary>
        User,
    }

    /// <summary>A persistent environment variable and where it is defined.</summary>
    public sealed class PersistentVariable
    {
        public PersistentVariable(string name, string value, EnvironmentScope scope, string location, int? line)
        {
            Name = name; Value = value; Scope = scope; Location = location; Line = line;
        }

        public string Name { get; }
        /// <summary>The value: may be a secret, never shown as is.</summary>
        public string Value { get; }
        public EnvironmentScope Scope { get; }
        /// <summary>The registry key or file that defines it.</summary>
        public string Location { get; }
        public int? Line { get; }
    }
}
