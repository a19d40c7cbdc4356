using System;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// An account as the owner of files: the principal whose npm configuration is audited, compared with the owner the
    /// platform reports for a file (<see cref="FileAccessInfo.Owner"/>, and on Windows the owner SID read from the open
    /// handle). On Unix the owner is the account name of the file's uid (or the uid itself when no name is known), and
    /// an account matches by name or by uid; on Windows by SID when both are known, else by DOMAIN\name.
    /// </summary>
    public sealed class AuditedAccount
    {
        public AuditedAccount(string name, string? securityId = null)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("The account name is empty.", nameof(name));
            Name = name;
            SecurityId = string.IsNullOrEmpty(securityId) ? null : securityId;
        }

        /// <summary>The account name (DOMAIN\name for the current Windows account).</summary>
        public string Name { get; }
        /// <summary>The uid as text on Unix, the SID on Windows; null when unknown.</summary>
        public string? SecurityId { get; }

        /// <summary>
        /// The account of a profile the machine lists (passwd entry, Windows ProfileList); null for a folder no account
        /// is known to own (a -UserProfile folder outside the machine's list): no file then counts as its own.
        /// </summary>
        public static AuditedAccount? ForProfile(UserProfileInfo? profile) =>
            profile != null && !string.IsNullOrEmpty(profile.SecurityId) && !string.IsNullOrEmpty(profile.UserName)
                ? new AuditedAccount(profile.UserName, profile.SecurityId)
                : null;

        /// <summary>The account this process runs as (the effective user on Unix).</summary>
        public static AuditedAccount CurrentProcess(IPlatform platform)
        {
            if (platform == null) throw new ArgumentNullException(nameof(platform));
            if (!platform.IsWindows) return new AuditedAccount(Environment.UserName);
            var domain = Environment.UserDomainName;
            return new AuditedAccount(string.IsNullOrEmpty(domain) ? Environment.UserName : domain + "\\" + Environment.UserName);
        }

        /// <summary>True when <paramref name="owner"/> (and, when known, <paramref name="ownerSid"/>) is this account.</summary>
        public bool IsOwner(string? owner, string? ownerSid = null)
        {
            if (ownerSid != null && SecurityId != null) return string.Equals(ownerSid, SecurityId, StringComparison.OrdinalIgnoreCase);
            if (string.IsNullOrEmpty(owner)) return false;
            if (string.Equals(owner, Name, StringComparison.Ordinal)) return true;
            if (SecurityId != null && string.Equals(owner, SecurityId, StringComparison.OrdinalIgnoreCase)) return true;
            // Windows names compare without case, and a profile name without its domain matches DOMAIN\name only by SID
            return Name.IndexOf('\\') > 0 && string.Equals(owner, Name, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// The owners that administer the machine and can read every file anyway: uid 0 on Unix; SYSTEM, Administrators
        /// and TrustedInstaller on Windows. A file they own is the machine's configuration, not another user's.
        /// </summary>
        public static bool IsAdministrator(string? owner, string? ownerSid, bool windows)
        {
            if (windows)
            {
                if (ownerSid != null)
                    return ownerSid == "S-1-5-18" || ownerSid == "S-1-5-32-544" || ownerSid == "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
                return owner != null && (string.Equals(owner, @"NT AUTHORITY\SYSTEM", StringComparison.OrdinalIgnoreCase)
                                         || string.Equals(owner, @"BUILTIN\Administrators", StringComparison.OrdinalIgnoreCase)
                                         || string.Equals(owner, @"NT SERVICE\TrustedInstaller", StringComparison.OrdinalIgnoreCase));
            }
            return owner != null && (owner == "0" || owner == UnixSuperuserName.Value);
        }

        private static readonly Lazy<string> UnixSuperuserName = new Lazy<string>(() =>
        {
            try { return UnixFileStatus.UserName(0); }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { return "root"; }
        });

        public override string ToString() => SecurityId != null ? $"{Name} ({SecurityId})" : Name;
    }
}
