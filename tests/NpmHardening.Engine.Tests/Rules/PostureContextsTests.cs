using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>What Get-NpmSecurityPosture audits: contexts, profiles, project discovery, and the scanner around the auditor.</summary>
    public sealed class PostureContextsTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "npmh-ctx-" + Guid.NewGuid().ToString("n"));

        public PostureContextsTests() => Directory.CreateDirectory(_root);

        public void Dispose()
        {
            try { Directory.Delete(_root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private string Dir(string relative)
        {
            var full = Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(full);
            return full;
        }

        private string Project(string relative)
        {
            var dir = Dir(relative);
            File.WriteAllText(Path.Combine(dir, "package.json"), "{}");
            return dir;
        }

        private static bool IsRoot => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && Environment.UserName == "root";

        // ------------------------------------------------------------------ FindProjects

        [Fact]
        public void FindProjects_yields_folders_with_package_json_in_name_order_and_skips_node_modules_and_git()
        {
            var a = Project("a");
            var bc = Project("b/c");
            Project("a/node_modules/dep");
            Project("node_modules/dep");
            Project(".git/odd");
            Project("NODE_MODULES/upper");   // Windows and macOS file systems ignore case; so does the skip
            Dir("d/e");
            var found = PostureScanner.FindProjects(_root).ToList();
            Assert.Equal(new[] { a, bc }, found);
        }

        [Fact]
        public void FindProjects_includes_the_root_when_it_is_a_project()
        {
            var root = Project("repo");
            var nested = Project("repo/packages/x");
            Assert.Equal(new[] { root, nested }, PostureScanner.FindProjects(root).ToList());
        }

        [UnixFact("symbolic links and Unix modes (links need a privilege on Windows).")]
        public void FindProjects_does_not_follow_symbolic_links()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return; // creating links needs privileges there
            var a = Project("a");
            Directory.CreateSymbolicLink(Path.Combine(a, "loop"), _root);
            Directory.CreateSymbolicLink(Path.Combine(_root, "elsewhere"), a);
            Assert.Equal(new[] { a }, PostureScanner.FindProjects(_root).ToList());
        }

        [Fact]
        public void FindProjects_streams_so_folders_listed_later_reflect_changes_made_while_consuming()
        {
            var a = Project("a");
            Dir("b");
            var found = new List<string>();
            foreach (var p in PostureScanner.FindProjects(_root))
            {
                found.Add(p);
                if (p == a) Project("b/late");   // 'b' is listed only after 'a' was handed out
            }
            Assert.Equal(new[] { a, Path.Combine(_root, "b", "late") }, found);
        }

        [Fact]
        public void FindProjects_reports_every_folder_it_searches()
        {
            Project("a");
            Dir("a/node_modules/x");
            Dir("b");
            var visited = new List<string>();
            PostureScanner.FindProjects(_root, visited.Add).ToList();
            Assert.Equal(new[] { _root, Path.Combine(_root, "a"), Path.Combine(_root, "b") }, visited);
        }

        [Fact]
        public void FindProjects_reports_an_unreadable_folder_and_goes_on()
        {
            // root reads anything (CI runs as root), so a chmod 000 folder is only unreadable for other users
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || IsRoot) return;
            var locked = Dir("a-locked");
            Project("a-locked/inner");
            var b = Project("b");
            File.SetUnixFileMode(locked, UnixFileMode.None);
            try
            {
                var errors = new List<string>();
                var found = PostureScanner.FindProjects(_root, null, (dir, e) => errors.Add(dir)).ToList();
                Assert.Equal(new[] { b }, found);
                Assert.Equal(new[] { locked }, errors);
            }
            finally { File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        }

        [Fact]
        public void FindProjects_reports_a_missing_root()
        {
            var errors = new List<string>();
            var missing = Path.Combine(_root, "nope");
            Assert.Empty(PostureScanner.FindProjects(missing, null, (dir, e) => errors.Add(dir)));
            Assert.Equal(new[] { missing }, errors);
        }

        // ------------------------------------------------------------------ profiles

        [Fact]
        public void SelectProfiles_skips_system_accounts_and_duplicate_homes_and_says_why()
        {
            var p = new FakePlatform(false, "/");
            p.Profiles.Add(new UserProfileInfo("root", "/root", "0", false));
            p.Profiles.Add(new UserProfileInfo("daemon", "/usr/sbin", "1", true));
            p.Profiles.Add(new UserProfileInfo("alice", "/home/alice", "1000", false));
            p.Profiles.Add(new UserProfileInfo("alice2", "/home/alice/", "1001", false));
            var skipped = new List<string>();
            var selected = PostureScanner.SelectProfiles(p, false, (u, why) => skipped.Add(u.UserName + ": " + why)).ToList();
            Assert.Equal(new[] { "root", "alice" }, selected.Select(u => u.UserName));
            Assert.Equal(2, skipped.Count);
            Assert.Contains("daemon: a system or service account", skipped[0]);
            Assert.StartsWith("alice2: ", skipped[1]);
            Assert.Equal(new[] { "root", "daemon", "alice" }, PostureScanner.SelectProfiles(p, true).Select(u => u.UserName));
        }

        [Fact]
        public void ProfileFor_returns_the_machine_record_or_a_profile_named_after_the_folder()
        {
            var p = new FakePlatform(true, @"C:\");
            p.Profiles.Add(new UserProfileInfo("bob", @"C:\Users\bob", "S-1-5-21-1-2-3-1001", false));
            var bob = PostureScanner.ProfileFor(p, @"c:\users\BOB\");
            Assert.Equal("S-1-5-21-1-2-3-1001", bob.SecurityId);
            var other = PostureScanner.ProfileFor(p, @"D:\Profiles\carol");
            Assert.Equal("carol", other.UserName);
            Assert.Null(other.SecurityId);
            Assert.False(other.IsSystemAccount);
        }

        [Theory]
        [InlineData(true, @"C:\Windows\system32\config\systemprofile", true)]
        [InlineData(true, @"C:\Windows\ServiceProfiles\LocalService", true)]
        [InlineData(true, @"C:\Users\bob", false)]
        [InlineData(false, "/var/lib/systemd", false)]
        public void RunsAsServiceAccount_recognises_the_service_profiles(bool windows, string home, bool expected)
        {
            var p = new FakePlatform(windows, windows ? @"C:\" : "/", home);
            Assert.Equal(expected, PostureScanner.RunsAsServiceAccount(p));
        }

        // ------------------------------------------------------------------ contexts

        [Fact]
        public void CurrentUser_without_a_what_if_environment_is_this_account()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            var c = PostureContext.CurrentUser(p, null, "/work/app");
            Assert.Equal("/work/app", c.Label);
            Assert.Equal("/work/app", c.WorkingDirectory);
            Assert.Null(c.Profile);
            Assert.Null(c.ProfileHome);
            Assert.True(c.AuditProcessEnvironment);
            Assert.False(c.IsOtherUser);
        }

        [Fact]
        public void CurrentUser_with_another_home_in_the_what_if_environment_checks_that_home()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            var env = EnvironmentMap.Create(false);
            env["HOME"] = "/tmp/machine/home";
            env["USER"] = "tester";
            var c = PostureContext.CurrentUser(p, env, "/work/app");
            Assert.Equal("/tmp/machine/home", c.Profile!.HomeDirectory);
            Assert.Equal("tester", c.Profile.UserName);
            Assert.True(c.AuditProcessEnvironment);   // the what-if variables are this process's
            Assert.Null(c.ProfileHome);                // the environment already says HOME

            env["HOME"] = "/home/u/";
            Assert.Null(PostureContext.CurrentUser(p, env, "/work/app").Profile);

            var w = new FakePlatform(true, @"C:\src", @"C:\Users\bob");
            var wenv = EnvironmentMap.Create(true);
            wenv["userprofile"] = @"D:\sandbox\home";
            Assert.Equal(@"D:\sandbox\home", PostureContext.CurrentUser(w, wenv, @"C:\src").Profile!.HomeDirectory);
        }

        [Fact]
        public void ForProfile_labels_the_profile_or_the_project_and_never_applies_the_process_environment()
        {
            var alice = new UserProfileInfo("alice", "/home/alice", "1000", false);
            var home = PostureContext.ForProfile(alice);
            Assert.Equal("/home/alice", home.Label);
            Assert.Equal("/home/alice", home.WorkingDirectory);
            Assert.False(home.AuditProcessEnvironment);
            Assert.True(home.IsOtherUser);
            var project = PostureContext.ForProfile(alice, "/srv/web");
            Assert.Equal("/srv/web (alice)", project.Label);
            Assert.Equal("/srv/web", project.WorkingDirectory);
            Assert.Equal("/home/alice", project.ProfileHome);
        }

        // ------------------------------------------------------------------ the scanner

        [Theory]
        [MemberData(nameof(PostureMachine.Platforms), MemberType = typeof(PostureMachine))]
        public void Audit_of_another_profile_reads_that_users_files_and_not_the_callers_variables(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-ssl=false").Env("NPM_TOKEN", "npm_" + new string('a', 36)).Env("npm_config_audit", "false");
            var other = windows ? @"C:\Users\alice" : "/home/alice";
            var alice = new UserProfileInfo("alice", other, windows ? "S-1-5-21-1-2-3-1002" : "1002", false);
            m.P.AddFile(m.P.Path.Join(other, ".npmrc"), "strict-ssl=true\n");
            var scanner = new PostureScanner(m.P, PostureMachine.Now) { Installation = m.Npm, RuleIds = new[] { "NPMH2001", "NPMH6001", "NPMH7004" } };

            var mine = scanner.Audit(PostureContext.CurrentUser(m.P, null, m.Project)).Findings;
            Assert.Equal(NpmFindingStatus.Fail, mine.Single(f => f.RuleId == "NPMH2001").Status);
            Assert.Equal(NpmFindingStatus.Fail, mine.Single(f => f.RuleId == "NPMH6001").Status);
            Assert.Contains(mine, f => f.RuleId == "NPMH7004" && f.Setting == "NPM_TOKEN");
            Assert.All(mine, f => Assert.Equal(m.Project, f.Context));

            var hers = scanner.Audit(PostureContext.ForProfile(alice)).Findings;
            var ssl = hers.Single(f => f.RuleId == "NPMH2001");
            Assert.Equal(NpmFindingStatus.Pass, ssl.Status);
            Assert.Equal(m.P.Path.Join(other, ".npmrc") + ":1", ssl.Src());
            Assert.Equal(NpmFindingStatus.Pass, hers.Single(f => f.RuleId == "NPMH6001").Status);   // npm_config_audit is the caller's
            Assert.DoesNotContain(hers, f => f.Setting == "NPM_TOKEN");
            Assert.All(hers, f => Assert.Equal(other, f.Context));
        }

        [Fact]
        public void Audit_applies_baseline_rules_and_allowed_registries()
        {
            var m = new PostureMachine(false).User("registry=https://npm.example.com/");
            var scanner = new PostureScanner(m.P, PostureMachine.Now) { Installation = m.Npm, RuleIds = new[] { "NPMH2003", "NPMH6003" } };
            var before = scanner.Audit(PostureContext.CurrentUser(m.P, null, m.Project)).Findings;
            Assert.Equal(NpmFindingStatus.Fail, before.Single(f => f.RuleId == "NPMH2003").Status);
            Assert.Equal(NpmFindingStatus.NotApplicable, before.Single(f => f.RuleId == "NPMH6003").Status);
            scanner.Baseline = NpmBaseline.Strict;
            scanner.AllowedRegistries = new[] { "https://npm.example.com/" };
            var after = scanner.Audit(PostureContext.CurrentUser(m.P, null, m.Project)).Findings;
            Assert.Equal(NpmFindingStatus.Pass, after.Single(f => f.RuleId == "NPMH2003").Status);
            Assert.Equal(NpmFindingStatus.Fail, after.Single(f => f.RuleId == "NPMH6003").Status);
            Assert.All(after, f => Assert.Equal("Strict", f.Baseline));
        }

        [Fact]
        public void Audit_reports_a_folder_named_npmrc_as_an_error_finding_naming_it()
        {
            var m = new PostureMachine(false);
            m.P.AddDirectory(m.UserNpmrc);
            var scanner = new PostureScanner(m.P, PostureMachine.Now) { Installation = m.Npm, RuleIds = new[] { "NPMH9005" } };
            var f = scanner.Audit(PostureContext.CurrentUser(m.P, null, m.Project)).Findings.Single();
            Assert.Equal(NpmFindingStatus.Error, f.Status);
            Assert.Equal(m.UserNpmrc, f.Setting);
            Assert.Contains(m.UserNpmrc, f.Message);
        }

        [Fact]
        public void Audit_explains_the_context_and_its_layers_and_locates_node_once_per_environment()
        {
            var home = Dir("home");
            var prefix = Dir("prefix");
            var project = Project("project");
            File.WriteAllText(Path.Combine(home, ".npmrc"), "audit=false\n");
            var env = EnvironmentMap.Create(RuntimeInformation.IsOSPlatform(OSPlatform.Windows));
            env["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "";
            env["HOME"] = home;
            env["USERPROFILE"] = home;
            env["PREFIX"] = prefix;
            var lines = new List<string>();
            var scanner = new PostureScanner(SystemPlatform.Instance, DateTimeOffset.UtcNow) { Environment = env, RuleIds = new[] { "NPMH6001" }, Explain = lines.Add };
            var first = scanner.Audit(PostureContext.CurrentUser(SystemPlatform.Instance, env, project));
            scanner.Audit(PostureContext.CurrentUser(SystemPlatform.Instance, env, home));
            Assert.Equal(NpmFindingStatus.Fail, first.Findings.Single().Status);
            Assert.Equal(1, lines.Count(l => l.StartsWith("Using ", StringComparison.Ordinal)));
            Assert.Contains(lines, l => l.StartsWith("Auditing " + project, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("User layer: " + Path.Combine(home, ".npmrc") + " (1 keys)"));
            Assert.Contains(lines, l => l.StartsWith(project + ": 1 findings (1 Fail)", StringComparison.Ordinal));
        }

        [Fact]
        public void UnmatchedRuleIds_names_patterns_that_select_no_rule()
        {
            Assert.Equal(new[] { "NPMH0001", "X*" }, PostureScanner.UnmatchedRuleIds(new[] { "NPMH2001", "npmh7*", "NPMH0001", "X*", "NPMH?00?" }));
        }
    }
}
