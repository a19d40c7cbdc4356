using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The user profiles on the machine, for <c>-AllUsers</c>: only profiles whose home folder exists.
    /// </summary>
    /// <remarks>
    /// <para><b>Windows</b>: HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\&lt;SID&gt;\ProfileImagePath
    /// (read through advapi32 P/Invoke, see <see cref="WindowsRegistry"/>), expanded; when the key cannot be read
    /// or lists nothing, the folders under the profiles root (C:\Users) except Public, Default, Default User and
    /// All Users. The user name is the profile folder's name (no LSA lookup: a domain SID on an offline laptop
    /// can block for seconds). System accounts: S-1-5-18/19/20 and every SID that is neither a local/domain
    /// account (S-1-5-21-…) nor an Entra ID account (S-1-12-1-…); Entra ID users are real people.</para>
    /// <para><b>Unix</b>: /etc/passwd. System accounts: a no-login shell (nologin, false, sync, shutdown, halt)
    /// or a uid outside UID_MIN..UID_MAX (/etc/login.defs; 1000..60000 by default, 500.. on macOS).
    /// <b>root is not a system account</b>: containers and CI runners run npm as root, so /root/.npmrc is
    /// audited without <c>-IncludeSystemProfiles</c>. Users that /etc/passwd does not list (macOS Directory
    /// Services, LDAP/SSSD on Linux) are found as folders under /Users (macOS) or /home (Linux) and named by
    /// the folder owner's account.</para>
    /// </remarks>
    internal static class UserProfiles
    {
        private const string ProfileListKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";

        public static IEnumerable<UserProfileInfo> Enumerate(SystemPlatform platform)
        {
            try
            {
                return platform.IsWindows ? EnumerateWindows(platform) : EnumerateUnix(platform);
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e))
            {
                return Array.Empty<UserProfileInfo>();
            }
        }

        // ---------------------------------------------------------------- Windows

        private static List<UserProfileInfo> EnumerateWindows(SystemPlatform platform)
        {
            var entries = new List<KeyValuePair<string, string?>>();
            var sids = WindowsRegistry.SubKeyNames(WindowsRegistry.LocalMachine, ProfileListKey);
            if (sids != null)
                foreach (var sid in sids)
                    entries.Add(new KeyValuePair<string, string?>(sid,
                        WindowsRegistry.GetString(WindowsRegistry.LocalMachine, ProfileListKey + "\\" + sid, "ProfileImagePath")));

            var profiles = FromProfileList(entries, Environment.ExpandEnvironmentVariables, platform.DirectoryExists);
            if (profiles.Count > 0) return profiles;

            var root = WindowsProfilesRoot();
            var folders = new List<string>();
            try
            {
                foreach (var dir in new DirectoryInfo(root).EnumerateDirectories())
                    if ((dir.Attributes & FileAttributes.ReparsePoint) == 0) folders.Add(dir.FullName);
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { }
            return FromProfileFolders(folders);
        }

        private static string WindowsProfilesRoot()
        {
            // %PUBLIC% is <profiles root>\Public; else the system drive's Users folder.
            var pub = Environment.GetEnvironmentVariable("PUBLIC");
            if (!string.IsNullOrEmpty(pub))
            {
                var parent = Path.GetDirectoryName(pub!.TrimEnd('\\'));
                if (!string.IsNullOrEmpty(parent)) return parent!;
            }
            var drive = Environment.GetEnvironmentVariable("SystemDrive");
            return (string.IsNullOrEmpty(drive) ? "C:" : drive) + @"\Users";
        }

        /// <summary>ProfileList entries (SID, raw ProfileImagePath) to profiles whose folder exists.</summary>
        internal static List<UserProfileInfo> FromProfileList(IEnumerable<KeyValuePair<string, string?>> entries,
            Func<string, string> expand, Func<string, bool> directoryExists)
        {
            var list = new List<UserProfileInfo>();
            foreach (var entry in entries)
            {
                var sid = entry.Key;
                // "<SID>.bak" keys are the leftovers of a corrupted profile that Windows replaced.
                if (!sid.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase) || sid.EndsWith(".bak", StringComparison.OrdinalIgnoreCase)) continue;
                if (string.IsNullOrEmpty(entry.Value)) continue;
                var home = expand(entry.Value!).TrimEnd('\\');
                if (home.Length == 0 || !directoryExists(home)) continue;
                list.Add(new UserProfileInfo(WindowsAccountName(sid) ?? WindowsLeaf(home), home, sid, IsWindowsSystemSid(sid)));
            }
            return list;
        }

        /// <summary>
        /// The SID of the ProfileList entry whose home is <paramref name="folder"/> (or a folder inside it), for giving a
        /// new file in that profile to its user; null when no profile holds the folder. The longest matching home wins.
        /// </summary>
        public static string? WindowsProfileSid(string folder)
        {
            try
            {
                var sids = WindowsRegistry.SubKeyNames(WindowsRegistry.LocalMachine, ProfileListKey);
                if (sids == null) return null;
                var entries = new List<KeyValuePair<string, string?>>();
                foreach (var sid in sids)
                    entries.Add(new KeyValuePair<string, string?>(sid,
                        WindowsRegistry.GetString(WindowsRegistry.LocalMachine, ProfileListKey + "\\" + sid, "ProfileImagePath")));
                return ProfileSidForFolder(entries, Environment.ExpandEnvironmentVariables, folder);
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { return null; }
        }

        /// <summary>The pure half of <see cref="WindowsProfileSid"/>: Windows paths, compared without case.</summary>
        internal static string? ProfileSidForFolder(IEnumerable<KeyValuePair<string, string?>> entries, Func<string, string> expand, string folder)
        {
            var target = folder.Replace('/', '\\').TrimEnd('\\');
            string? best = null;
            int bestLength = -1;
            foreach (var entry in entries)
            {
                var sid = entry.Key;
                if (!sid.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase) || sid.EndsWith(".bak", StringComparison.OrdinalIgnoreCase)) continue;
                if (string.IsNullOrEmpty(entry.Value)) continue;
                var home = expand(entry.Value!).Replace('/', '\\').TrimEnd('\\');
                if (home.Length == 0) continue;
                bool inside = string.Equals(target, home, StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith(home + "\\", StringComparison.OrdinalIgnoreCase);
                if (inside && home.Length > bestLength) { best = sid; bestLength = home.Length; }
            }
            return best;
        }

        /// <summary>The fallback: profile folders, minus the ones that belong to nobody.</summary>
        internal static List<UserProfileInfo> FromProfileFolders(IEnumerable<string> folders)
        {
            var list = new List<UserProfileInfo>();
            foreach (var folder in folders)
            {
                var name = WindowsLeaf(folder);
                if (IsSharedProfileFolder(name)) continue;
                list.Add(new UserProfileInfo(name, folder, null, false));
            }
            return list;
        }

        internal static bool IsSharedProfileFolder(string name) =>
            name.Equals("Public", StringComparison.OrdinalIgnoreCase) || name.Equals("Default", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Default User", StringComparison.OrdinalIgnoreCase) || name.Equals("All Users", StringComparison.OrdinalIgnoreCase);

        /// <summary>Service and machine accounts: everything but local/domain accounts (S-1-5-21-…) and Entra ID accounts (S-1-12-1-…).</summary>
        internal static bool IsWindowsSystemSid(string sid) =>
            !(sid.StartsWith("S-1-5-21-", StringComparison.OrdinalIgnoreCase) || sid.StartsWith("S-1-12-1-", StringComparison.OrdinalIgnoreCase));

        private static string? WindowsAccountName(string sid)
        {
            switch (sid.ToUpperInvariant())
            {
                case "S-1-5-18": return "SYSTEM";
                case "S-1-5-19": return "LOCAL SERVICE";
                case "S-1-5-20": return "NETWORK SERVICE";
                default: return null;
            }
        }

        private static string WindowsLeaf(string path)
        {
            var trimmed = path.TrimEnd('\\', '/');
            int i = trimmed.LastIndexOfAny(new[] { '\\', '/' });
            return i < 0 ? trimmed : trimmed.Substring(i + 1);
        }

        // ---------------------------------------------------------------- Unix

        private static List<UserProfileInfo> EnumerateUnix(SystemPlatform platform)
        {
            bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
            var range = mac ? new UidRange(500, 60000) : new UidRange(1000, 60000);
            var defs = ReadText(platform, "/etc/login.defs");
            if (defs != null) range = ParseLoginDefs(defs, range);

            var profiles = new List<UserProfileInfo>();
            var homes = new HashSet<string>(StringComparer.Ordinal);
            var passwd = ReadText(platform, "/etc/passwd");
            if (passwd != null)
                foreach (var p in FromPasswd(passwd, range))
                    if (platform.DirectoryExists(p.HomeDirectory) && homes.Add(p.HomeDirectory.TrimEnd('/'))) profiles.Add(p);

            // Accounts /etc/passwd does not list (Directory Services on macOS, LDAP/SSSD on Linux) still have a folder.
            var root = mac ? "/Users" : "/home";
            try
            {
                if (Directory.Exists(root))
                {
                    var extra = new List<string>(Directory.EnumerateDirectories(root));
                    extra.Sort(StringComparer.Ordinal);
                    foreach (var dir in extra)
                    {
                        var name = Path.GetFileName(dir);
                        if (IsSharedHomeFolder(name) || !homes.Add(dir.TrimEnd('/'))) continue;
                        string? uid = null;
                        if (UnixFileStatus.TryStat(dir, out _, out var owner) && owner != 0)
                        {
                            uid = owner.ToString(CultureInfo.InvariantCulture);
                            var account = UnixFileStatus.UserName(owner);
                            if (!IsNumeric(account)) name = account;
                        }
                        profiles.Add(new UserProfileInfo(name, dir, uid, false));
                    }
                }
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { }
            return profiles;
        }

        internal static bool IsSharedHomeFolder(string name) =>
            name.Length == 0 || name[0] == '.' || name == "Shared" || name == "lost+found";

        private static bool IsNumeric(string s)
        {
            foreach (var c in s) if (c < '0' || c > '9') return false;
            return s.Length > 0;
        }

        private static string? ReadText(SystemPlatform platform, string path)
        {
            var r = platform.ReadFile(path, 4 << 20);
            return r.Status == FileReadStatus.Ok && r.Bytes != null ? new UTF8Encoding(false).GetString(r.Bytes) : null;
        }

        /// <summary>The uid range of ordinary accounts.</summary>
        internal readonly struct UidRange
        {
            public UidRange(long min, long max) { Min = min; Max = max; }
            public long Min { get; }
            public long Max { get; }
        }

        /// <summary>UID_MIN and UID_MAX from /etc/login.defs text; missing or bad values keep the defaults.</summary>
        internal static UidRange ParseLoginDefs(string text, UidRange defaults)
        {
            long min = defaults.Min, max = defaults.Max;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                var parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) continue;
                if (parts[0] == "UID_MIN") min = v;
                else if (parts[0] == "UID_MAX") max = v;
            }
            return min <= max ? new UidRange(min, max) : defaults;
        }

        /// <summary>/etc/passwd text to profiles (no file system access): name, home, uid, system or not.</summary>
        internal static List<UserProfileInfo> FromPasswd(string text, UidRange range)
        {
            var list = new List<UserProfileInfo>();
            foreach (var e in PasswdFile.Parse(text))
            {
                if (e.Home.Length == 0 || e.Home[0] != '/') continue;
                list.Add(new UserProfileInfo(e.Name, e.Home, e.Uid.ToString(CultureInfo.InvariantCulture), IsUnixSystemAccount(e, range)));
            }
            return list;
        }

        /// <summary>root is a real account; otherwise a no-login shell or a uid outside the ordinary range marks a system account.</summary>
        internal static bool IsUnixSystemAccount(PasswdEntry e, UidRange range)
        {
            if (e.Uid == 0) return false;
            if (IsNoLoginShell(e.Shell)) return true;
            return e.Uid < range.Min || e.Uid > range.Max;
        }

        internal static bool IsNoLoginShell(string shell)
        {
            if (shell.Length == 0) return false; // an empty shell means /bin/sh
            var leaf = shell.Substring(shell.LastIndexOf('/') + 1);
            return leaf == "nologin" || leaf == "false" || leaf == "true" || leaf == "sync" || leaf == "shutdown" || leaf == "halt";
        }
    }

    /// <summary>One /etc/passwd line.</summary>
    internal sealed class PasswdEntry
    {
        public PasswdEntry(string name, long uid, string home, string shell) { Name = name; Uid = uid; Home = home; Shell = shell; }
        public string Name { get; }
        public long Uid { get; }
        public string Home { get; }
        public string Shell { get; }
    }

    /// <summary>The passwd(5) format: name:password:uid:gid:gecos:home:shell.</summary>
    internal static class PasswdFile
    {
        public static IEnumerable<PasswdEntry> Parse(string text)
        {
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-') continue; // NIS compat lines
                var f = line.Split(':');
                if (f.Length < 7 || f[0].Length == 0) continue;
                if (!long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) continue;
                yield return new PasswdEntry(f[0], uid, f[5], f[6].Trim());
            }
        }
    }

    /// <summary>
    /// The few registry reads NpmHardening needs, through advapi32 (identical on .NET Framework and .NET, no
    /// package: Microsoft.Win32.Registry is not part of netstandard2.0). Always the 64-bit view. Returns null
    /// when a key cannot be opened. Only ever called when the platform is Windows.
    /// </summary>
    internal static class WindowsRegistry
    {
        public static readonly IntPtr CurrentUser = new IntPtr(unchecked((int)0x80000001));
        public static readonly IntPtr LocalMachine = new IntPtr(unchecked((int)0x80000002));
        public static readonly IntPtr Users = new IntPtr(unchecked((int)0x80000003));

        private const int KeyRead = 0x20019, KeyWow64_64 = 0x0100;
        private const int ErrorSuccess = 0, ErrorMoreData = 234, ErrorNoMoreItems = 259;
        internal const int RegSz = 1, RegExpandSz = 2;

        public static List<string>? SubKeyNames(IntPtr root, string subKey)
        {
            if (Native.RegOpenKeyEx(root, subKey, 0, KeyRead | KeyWow64_64, out var key) != ErrorSuccess) return null;
            try
            {
                var names = new List<string>();
                var name = new StringBuilder(256); // the longest key name Windows allows, plus NUL
                for (int i = 0; ; i++)
                {
                    int length = name.Capacity;
                    int rc = Native.RegEnumKeyEx(key, i, name, ref length, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
                    if (rc == ErrorNoMoreItems) break;
                    if (rc != ErrorSuccess) return names;
                    names.Add(name.ToString());
                }
                return names;
            }
            finally { Native.RegCloseKey(key); }
        }

        /// <summary>A REG_SZ or REG_EXPAND_SZ value, unexpanded; null when absent or of another type.</summary>
        public static string? GetString(IntPtr root, string subKey, string valueName)
        {
            if (Native.RegOpenKeyEx(root, subKey, 0, KeyRead | KeyWow64_64, out var key) != ErrorSuccess) return null;
            try { return QueryString(key, valueName); }
            finally { Native.RegCloseKey(key); }
        }

        /// <summary>Every string value of a key (name, unexpanded value); null when the key cannot be opened.</summary>
        public static List<KeyValuePair<string, string>>? GetStringValues(IntPtr root, string subKey)
        {
            if (Native.RegOpenKeyEx(root, subKey, 0, KeyRead | KeyWow64_64, out var key) != ErrorSuccess) return null;
            try
            {
                var names = new List<string>();
                var name = new StringBuilder(16384); // the longest value name Windows allows, plus NUL
                for (int i = 0; ; i++)
                {
                    int length = name.Capacity;
                    int rc = Native.RegEnumValue(key, i, name, ref length, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
                    if (rc == ErrorNoMoreItems) break;
                    if (rc != ErrorSuccess && rc != ErrorMoreData) break;
                    names.Add(name.ToString());
                }
                var values = new List<KeyValuePair<string, string>>(names.Count);
                foreach (var n in names)
                {
                    if (n.Length == 0) continue; // the key's default value is no variable
                    var v = QueryString(key, n);
                    if (v != null) values.Add(new KeyValuePair<string, string>(n, v));
                }
                return values;
            }
            finally { Native.RegCloseKey(key); }
        }

        private static string? QueryString(IntPtr key, string valueName)
        {
            int size = 0;
            int rc = Native.RegQueryValueEx(key, valueName, IntPtr.Zero, out int type, null, ref size);
            for (int attempt = 0; attempt < 3 && (rc == ErrorSuccess || rc == ErrorMoreData); attempt++)
            {
                if (type != RegSz && type != RegExpandSz) return null;
                var data = new byte[Math.Max(size, 2) + 2];
                size = data.Length;
                rc = Native.RegQueryValueEx(key, valueName, IntPtr.Zero, out type, data, ref size);
                if (rc == ErrorSuccess) return DecodeString(data, size);
            }
            return null;
        }

        /// <summary>REG_SZ bytes (UTF-16LE, maybe NUL-terminated, maybe not) to a string.</summary>
        internal static string DecodeString(byte[] data, int size)
        {
            var s = Encoding.Unicode.GetString(data, 0, Math.Min(size, data.Length) & ~1);
            int nul = s.IndexOf('\0');
            return nul >= 0 ? s.Substring(0, nul) : s;
        }

        private static class Native
        {
            [DllImport("advapi32.dll", EntryPoint = "RegOpenKeyExW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern int RegOpenKeyEx(IntPtr key, string subKey, int options, int samDesired, out IntPtr result);

            [DllImport("advapi32.dll", EntryPoint = "RegEnumKeyExW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern int RegEnumKeyEx(IntPtr key, int index, StringBuilder name, ref int nameLength,
                IntPtr reserved, IntPtr className, IntPtr classLength, IntPtr lastWriteTime);

            [DllImport("advapi32.dll", EntryPoint = "RegEnumValueW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern int RegEnumValue(IntPtr key, int index, StringBuilder name, ref int nameLength,
                IntPtr reserved, IntPtr type, IntPtr data, IntPtr dataLength);

            [DllImport("advapi32.dll", EntryPoint = "RegQueryValueExW", CharSet = CharSet.Unicode, ExactSpelling = true)]
            public static extern int RegQueryValueEx(IntPtr key, string valueName, IntPtr reserved, out int type,
                [Out] byte[]? data, ref int dataLength);

            [DllImport("advapi32.dll", ExactSpelling = true)]
            public static extern int RegCloseKey(IntPtr key);
        }
    }
}
