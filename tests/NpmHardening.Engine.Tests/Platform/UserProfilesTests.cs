using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Platform
{
    public class UserProfilesTests
    {
        private static readonly UserProfiles.UidRange Linux = new UserProfiles.UidRange(1000, 60000);

        private const string SamplePasswd =
            "root:x:0:0:root:/root:/bin/bash\n" +
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
            "sync:x:4:65534:sync:/bin:/bin/sync\n" +
            "postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n" +
            "# a comment\n" +
            "\n" +
            "alice:x:1000:1000:Alice Example,,,:/home/alice:/bin/zsh\r\n" +
            "svc:x:1001:1001::/srv/svc:/usr/sbin/nologin\n" +
            "ci:x:1002:1002::/home/ci:\n" +
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" +
            "+@netgroup::::::\n" +
            "broken:x:notanumber:1::/home/broken:/bin/sh\n" +
            "short:x:1003\n" +
            "relative:x:1004:1004::home/relative:/bin/sh\n";

        [Fact]
        public void PasswdLinesBecomeProfiles()
        {
            var profiles = UserProfiles.FromPasswd(SamplePasswd, Linux);
            Assert.Equal(new[] { "root", "daemon", "sync", "postgres", "alice", "svc", "ci", "nobody" }, profiles.Select(p => p.UserName));
            var alice = profiles.Single(p => p.UserName == "alice");
            Assert.Equal("/home/alice", alice.HomeDirectory);
            Assert.Equal("1000", alice.SecurityId);
            Assert.False(alice.IsSystemAccount);
        }

        [Theory]
        [InlineData("root", false)]     // a real admin account: containers and CI run npm as root
        [InlineData("daemon", true)]    // uid < UID_MIN and nologin
        [InlineData("sync", true)]      // /bin/sync is no login shell
        [InlineData("postgres", true)]  // a login shell but a service uid
        [InlineData("alice", false)]
        [InlineData("svc", true)]       // an ordinary uid but nologin
        [InlineData("ci", false)]       // an empty shell means /bin/sh
        [InlineData("nobody", true)]    // above UID_MAX
        public void SystemAccountsAreRecognised(string name, bool system)
        {
            var p = UserProfiles.FromPasswd(SamplePasswd, Linux).Single(x => x.UserName == name);
            Assert.Equal(system, p.IsSystemAccount);
        }

        [Fact]
        public void MacOsRangeMakesUid501AUser()
        {
            var text = "_www:*:70:70:World Wide Web Server:/Library/WebServer:/usr/bin/false\nbob:*:501:20:Bob:/Users/bob:/bin/zsh\n";
            var profiles = UserProfiles.FromPasswd(text, new UserProfiles.UidRange(500, 60000));
            Assert.True(profiles.Single(p => p.UserName == "_www").IsSystemAccount);
            Assert.False(profiles.Single(p => p.UserName == "bob").IsSystemAccount);
            Assert.True(UserProfiles.FromPasswd(text, Linux).Single(p => p.UserName == "bob").IsSystemAccount);
        }

        [Fact]
        public void LoginDefsSetTheRange()
        {
            var defs = "# comment\nUID_MIN\t\t\t 2000\nUID_MAX  70000\nGID_MIN 1000\n";
            var r = UserProfiles.ParseLoginDefs(defs, Linux);
            Assert.Equal(2000, r.Min);
            Assert.Equal(70000, r.Max);
            var bad = UserProfiles.ParseLoginDefs("UID_MIN lots\nUID_MAX 10\n", Linux); // max < min: keep defaults
            Assert.Equal(1000, bad.Min);
            Assert.Equal(60000, bad.Max);
        }

        [Theory]
        [InlineData("/usr/sbin/nologin", true)]
        [InlineData("/sbin/nologin", true)]
        [InlineData("/bin/false", true)]
        [InlineData("/usr/bin/false", true)]
        [InlineData("/bin/bash", false)]
        [InlineData("/usr/bin/fish", false)]
        [InlineData("", false)]
        public void NoLoginShells(string shell, bool noLogin) => Assert.Equal(noLogin, UserProfiles.IsNoLoginShell(shell));

        // ------------------------------------------------------------ Windows (pure parts)

        [Theory]
        [InlineData("S-1-5-18", true)]
        [InlineData("S-1-5-19", true)]
        [InlineData("S-1-5-20", true)]
        [InlineData("S-1-5-80-1234-5678", true)]   // a service SID
        [InlineData("S-1-5-82-1-2-3-4-5", true)]   // an IIS application pool
        [InlineData("S-1-5-21-1111-2222-3333-1001", false)]
        [InlineData("S-1-12-1-1234567890-1234567890-1234567890-1234567890", false)] // Entra ID user
        public void WindowsSystemSids(string sid, bool system) => Assert.Equal(system, UserProfiles.IsWindowsSystemSid(sid));

        [Fact]
        public void ProfileListEntriesAreExpandedFilteredAndNamed()
        {
            var entries = new List<KeyValuePair<string, string?>>
            {
                new("S-1-5-18", @"%systemroot%\system32\config\systemprofile"),
                new("S-1-5-19", @"%systemroot%\ServiceProfiles\LocalService"),
                new("S-1-5-21-1-2-3-1001", @"C:\Users\bob"),
                new("S-1-5-21-1-2-3-1001.bak", @"C:\Users\bob"),
                new("S-1-5-21-1-2-3-1002", @"C:\Users\gone"),
                new("S-1-5-21-1-2-3-1003", null),
                new("S-1-12-1-4-5-6-7", @"%SystemDrive%\Users\carol.CONTOSO\"),
                new("NotASid", @"C:\Users\x"),
            };
            string Expand(string s) => s.Replace("%systemroot%", @"C:\Windows").Replace("%SystemDrive%", "C:");
            var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                @"C:\Windows\system32\config\systemprofile", @"C:\Windows\ServiceProfiles\LocalService", @"C:\Users\bob", @"C:\Users\carol.CONTOSO", @"C:\Users\x",
            };
            var profiles = UserProfiles.FromProfileList(entries, Expand, existing.Contains);
            Assert.Equal(new[] { "SYSTEM", "LOCAL SERVICE", "bob", "carol.CONTOSO" }, profiles.Select(p => p.UserName));
            Assert.Equal(new[] { true, true, false, false }, profiles.Select(p => p.IsSystemAccount));
            Assert.Equal(@"C:\Users\carol.CONTOSO", profiles[3].HomeDirectory);
            Assert.Equal("S-1-12-1-4-5-6-7", profiles[3].SecurityId);
        }

        [Fact]
        public void ProfileFolderFallbackSkipsSharedFolders()
        {
            var profiles = UserProfiles.FromProfileFolders(new[]
            {
                @"C:\Users\Public", @"C:\Users\Default", @"C:\Users\Default User", @"C:\Users\All Users", @"C:\Users\bob", @"C:\Users\alice",
            });
            Assert.Equal(new[] { "bob", "alice" }, profiles.Select(p => p.UserName));
            Assert.All(profiles, p => { Assert.Null(p.SecurityId); Assert.False(p.IsSystemAccount); });
        }

        [Fact]
        public void RegistryStringsAreDecoded()
        {
            var bytes = System.Text.Encoding.Unicode.GetBytes("C:\\Users\\bob\0");
            Assert.Equal(@"C:\Users\bob", WindowsRegistry.DecodeString(bytes, bytes.Length));
            var unterminated = System.Text.Encoding.Unicode.GetBytes("abc");
            Assert.Equal("abc", WindowsRegistry.DecodeString(unterminated, unterminated.Length));
            Assert.Equal("ab", WindowsRegistry.DecodeString(unterminated, 5)); // an odd size drops the half character
        }

        // ------------------------------------------------------------ the real machine

        [UnixFact("reads accounts from /etc/passwd.")]
        public void RealProfilesAreTheExistingPasswdHomes()
        {
            if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() || !File.Exists("/etc/passwd")) return;
            var profiles = SystemPlatform.Instance.EnumerateUserProfiles().ToList();
            Assert.NotEmpty(profiles);
            Assert.All(profiles, p => Assert.True(Directory.Exists(p.HomeDirectory), p.HomeDirectory));

            // Independently of the engine's parser: every passwd account with an existing, not yet seen home is listed.
            var seen = new HashSet<string>();
            foreach (var line in File.ReadAllLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length < 7 || line.StartsWith('#') || !Directory.Exists(f[5]) || !seen.Add(f[5].TrimEnd('/'))) continue;
                var p = profiles.SingleOrDefault(x => x.UserName == f[0]);
                Assert.True(p != null, f[0]);
                Assert.Equal(f[5], p!.HomeDirectory);
                Assert.Equal(f[2], p.SecurityId);
            }
        }

        [UnixFact("reads accounts from /etc/passwd.")]
        public void CurrentUserIsAProfileAndRootIsNoSystemAccount()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/etc/passwd")) return;
            var me = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length >= 7 && f[0] == Environment.UserName);
            if (me == null || !Directory.Exists(me[5])) return; // the account comes from NSS/LDAP, not the file
            var profile = SystemPlatform.Instance.EnumerateUserProfiles().Single(p => p.UserName == Environment.UserName);
            Assert.Equal(me[5], profile.HomeDirectory);
            if (me[2] == "0") Assert.False(profile.IsSystemAccount);
        }
    }
}
