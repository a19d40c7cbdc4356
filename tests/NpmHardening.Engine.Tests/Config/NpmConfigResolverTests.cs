using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>Layer discovery and precedence on fake Unix and Windows machines (real-npm agreement lives in Agreement/).</summary>
    public class NpmConfigResolverTests
    {
        private static NpmInstallation Npm11Unix => new NpmInstallation("/usr/bin/node", "20.20.2", "/usr/lib/node_modules/npm", "11.19.1");
        private static NpmInstallation Npm11Windows => new NpmInstallation(@"C:\Program Files\nodejs\node.exe", "22.1.0", @"C:\Program Files\nodejs\node_modules\npm", "11.19.1");

        private static NpmConfigResolution Resolve(FakePlatform platform, NpmInstallation npm, string? cwd = null, string? profile = null,
            Dictionary<string, object?>? cli = null)
            => NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = platform, Installation = npm, WorkingDirectory = cwd, UserProfile = profile, CliOverrides = cli,
            });

        [Theory]
        [InlineData("NPM_CONFIG_FETCH_RETRIES=2\0npm_config_fetch_retries=1\0", 1.0, "/proc/self/environ")]
        [InlineData("npm_config_fetch_retries=1\0NPM_CONFIG_FETCH_RETRIES=2\0", 2.0, "/proc/self/environ")]
        [InlineData(null, 1.0, "cannot see")]
        public void Of_two_variables_naming_one_key_the_later_in_the_process_block_wins_with_a_warning(string? block, double expected, string said)
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.Env["npm_config_fetch_retries"] = "1";
            p.Env["NPM_CONFIG_FETCH_RETRIES"] = "2";
            if (block != null) p.AddFile("/proc/self/environ", "HOME=/home/u\0" + block);
            var r = Resolve(p, Npm11Unix);
            Assert.Equal(expected, r.GetEffective("fetch-retries")!.Value);
            var clash = Assert.Single(r.Issues, i => i.Kind == NpmConfigIssueKind.EnvironmentClash);
            Assert.False(clash.IsError);
            Assert.Contains("npm_config_fetch_retries", clash.Message);
            Assert.Contains("NPM_CONFIG_FETCH_RETRIES", clash.Message);
            Assert.Contains(said, clash.Message);
        }

        [Fact]
        public void A_caller_given_order_decides_and_Windows_assumes_its_sorted_block()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            var env = new Dictionary<string, string> { ["HOME"] = "/home/u", ["npm_config_fetch_retries"] = "4", ["npm_config_fetch-retries"] = "3" };
            var r = NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = p, Installation = Npm11Unix, Environment = env,
                EnvironmentOrder = new[] { "npm_config_fetch_retries", "HOME", "npm_config_fetch-retries" },
            });
            Assert.Equal(3.0, r.GetEffective("fetch-retries")!.Value);
            Assert.Contains("the caller", Assert.Single(r.Issues, i => i.Kind == NpmConfigIssueKind.EnvironmentClash).Message);

            // Windows: names are case-insensitive, the block is sorted by upper-cased name: '-' (0x2D) before '_' (0x5F)
            var w = new FakePlatform(true, @"C:\work\app", @"C:\Users\u");
            w.Env["USERPROFILE"] = @"C:\Users\u";
            w.Env["npm_config_fetch_retries"] = "4";
            w.Env["npm_config_fetch-retries"] = "3";
            var rw = Resolve(w, Npm11Windows);
            Assert.Equal(4.0, rw.GetEffective("fetch-retries")!.Value);
            Assert.Contains("Windows keeps it sorted", Assert.Single(rw.Issues, i => i.Kind == NpmConfigIssueKind.EnvironmentClash).Message);
        }

        [Fact]
        public void An_empty_HOME_or_USERPROFILE_leaves_npm_without_a_home()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            p.Env["HOME"] = "";
            p.AddFile("/work/app/package.json", "{}");
            var r = Resolve(p, Npm11Unix);
            Assert.Equal("/work/app/~/.npmrc", r.GetEffective("userconfig")!.Value);
            Assert.Equal("/work/app/~/.npm", r.GetEffective("cache")!.Value);
            Assert.Null(r.Home);
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.EmptyHome && i.Source == "HOME");

            // Windows: HOME unset, USERPROFILE empty: os.homedir() is the empty variable, the OS profile is never asked
            var w = new FakePlatform(true, @"C:\work\app", @"C:\Users\u");
            w.Env["USERPROFILE"] = "";
            w.AddFile(@"C:\work\app\package.json", "{}");
            var rw = Resolve(w, Npm11Windows);
            Assert.Equal(@"C:\work\app\~\.npmrc", rw.GetEffective("userconfig")!.Value);
            Assert.Contains(rw.Issues, i => i.Kind == NpmConfigIssueKind.EmptyHome && i.Source == "USERPROFILE");
            // with HOME set, USERPROFILE does not matter
            w.Env["HOME"] = @"C:\h";
            Assert.Equal(@"C:\h\.npmrc", Resolve(w, Npm11Windows).GetEffective("userconfig")!.Value);
        }

        [Fact]
        public void Layers_take_precedence_cli_env_project_user_global_builtin_default()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/usr/lib/node_modules/npm/npmrc", "fetch-retries=1\nloglevel=warn\n");
            p.AddFile("/usr/etc/npmrc", "fetch-retries=2\nsave-exact=true\n");
            p.AddFile("/home/u/.npmrc", "fetch-retries=3\naudit=false\n");
            p.AddFile("/work/app/package.json", "{}");
            p.AddFile("/work/app/.npmrc", "fetch-retries=4\n");
            p.Env["npm_config_fetch_retries"] = "5";
            var r = Resolve(p, Npm11Unix);
            Assert.Equal(NpmConfigLayer.Env, r.GetEffective("fetch-retries")!.Layer);
            Assert.Equal(5.0, r.GetEffective("fetch-retries")!.Value);
            Assert.Equal(new[] { NpmConfigLayer.Env, NpmConfigLayer.Project, NpmConfigLayer.User, NpmConfigLayer.Global, NpmConfigLayer.Builtin, NpmConfigLayer.Default },
                r.GetAll("fetch-retries").Select(v => v.Layer));
            Assert.Equal(NpmConfigLayer.Builtin, r.GetEffective("loglevel")!.Layer);
            Assert.Equal(true, r.GetEffective("save-exact")!.Value);
            Assert.Equal(false, r.GetEffective("audit")!.Value);
            Assert.Equal("/home/u/.npmrc", r.GetEffective("audit")!.Source);
            Assert.Equal(2, r.GetEffective("audit")!.Line);

            var withCli = Resolve(p, Npm11Unix, cli: new Dictionary<string, object?> { ["fetch-retries"] = "6" });
            Assert.Equal(NpmConfigLayer.Cli, withCli.GetEffective("fetch-retries")!.Layer);
            Assert.Equal(6.0, withCli.GetEffective("fetch-retries")!.Value);
        }

        [Fact]
        public void Project_config_can_move_the_user_config_and_the_user_config_the_global_one()
        {
            var p = new FakePlatform(false, "/work/app", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/work/app/package.json", "{}");
            p.AddFile("/work/app/.npmrc", "userconfig=/etc/team/npmrc\n");
            p.AddFile("/etc/team/npmrc", "globalconfig=/opt/global-npmrc\nsave-exact=true\n");
            p.AddFile("/home/u/.npmrc", "save-exact=false\n");
            p.AddFile("/opt/global-npmrc", "audit=false\n");
            var r = Resolve(p, Npm11Unix);
            Assert.Equal("/etc/team/npmrc", r[NpmConfigLayer.User].Source);
            Assert.Equal(true, r.GetEffective("save-exact")!.Value);
            Assert.Equal("/opt/global-npmrc", r[NpmConfigLayer.Global].Source);
            Assert.Equal(false, r.GetEffective("audit")!.Value);
        }

        [Fact]
        public void Project_file_that_is_the_user_file_is_read_once_as_user()
        {
            var p = new FakePlatform(false, "/home/u", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddDirectory("/home/u/node_modules");
            p.AddFile("/home/u/.npmrc", "audit=false\n");
            var r = Resolve(p, Npm11Unix);
            Assert.Equal(NpmConfigLayer.User, r.GetEffective("audit")!.Layer);
            Assert.False(r[NpmConfigLayer.Project].Loaded);
            Assert.Contains("same as \"user\"", r[NpmConfigLayer.Project].SkipReason);
        }

        [Fact]
        public void Workspace_folders_use_the_root_project_config()
        {
            var p = new FakePlatform(false, "/repo/packages/a/src", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/repo/package.json", "{\"workspaces\":[\"packages/*\"]}");
            p.AddFile("/repo/.npmrc", "save-exact=true\n");
            p.AddFile("/repo/packages/a/package.json", "{}");
            p.AddFile("/repo/packages/a/.npmrc", "save-exact=false\n");
            var r = Resolve(p, Npm11Unix);
            Assert.Equal("/repo", r.LocalPrefix);
            Assert.Equal("/repo/packages/a", r.Workspace);
            Assert.Equal(true, r.GetEffective("save-exact")!.Value);
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.WorkspaceConfigIgnored);
        }

        [Fact]
        public void Environment_keys_are_lower_cased_and_underscores_become_dashes_except_the_first()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["NPM_CONFIG_STRICT_SSL"] = "false";
            p.Env["npm_config__auth"] = "abc";
            p.Env["npm_config_//r.example.com/:_authToken"] = "tok";
            p.Env["npm_config_empty"] = "";
            var r = Resolve(p, Npm11Unix);
            Assert.Equal(false, r.GetEffective("strict-ssl")!.Value);
            Assert.Equal("NPM_CONFIG_STRICT_SSL", r.GetEffective("strict-ssl")!.EnvironmentVariable);
            Assert.Equal(NpmConfigLayer.Env, r.GetEffective("_auth")!.Layer);
            Assert.Equal(NpmConfigLayer.Env, r.GetEffective("//r.example.com/:_authToken")!.Layer);
            Assert.False(r[NpmConfigLayer.Env].Contains("empty"));
        }

        [Fact]
        public void Windows_global_config_follows_the_installers_builtin_prefix_under_appdata()
        {
            var p = new FakePlatform(true, @"C:\src\web", @"C:\Users\bob");
            p.Env["USERPROFILE"] = @"C:\Users\bob";
            p.Env["APPDATA"] = @"C:\Users\bob\AppData\Roaming";
            p.Env["LOCALAPPDATA"] = @"C:\Users\bob\AppData\Local";
            p.AddFile(@"C:\Program Files\nodejs\node_modules\npm\npmrc", "prefix=${APPDATA}\\npm\r\n");
            p.AddFile(@"C:\Users\bob\AppData\Roaming\npm\etc\npmrc", "strict-ssl=false\r\n");
            p.AddFile(@"C:\Users\bob\.npmrc", "ignore-scripts=true\r\n");
            p.AddFile(@"C:\src\web\package.json", "{}");
            var r = Resolve(p, Npm11Windows);
            Assert.Equal(@"C:\Program Files\nodejs", r.GlobalPrefix);
            Assert.Equal(@"C:\Users\bob\AppData\Roaming\npm", r.GetEffective("prefix")!.Value);
            Assert.Equal(@"C:\Users\bob\AppData\Roaming\npm\etc\npmrc", r[NpmConfigLayer.Global].Source);
            Assert.Equal(false, r.GetEffective("strict-ssl")!.Value);
            Assert.Equal(@"C:\Users\bob\.npmrc", r[NpmConfigLayer.User].Source);
            Assert.Equal(true, r.GetEffective("ignore-scripts")!.Value);
            Assert.Equal(@"C:\Users\bob\AppData\Local\npm-cache", r.GetEffective("cache")?.Value is string c ? c : null);
        }

        [Fact]
        public void Windows_environment_names_are_case_insensitive_in_expansion()
        {
            var p = new FakePlatform(true, @"C:\w", @"C:\Users\bob");
            p.Env["UserProfile"] = @"C:\Users\bob";
            p.Env["Npm_Token"] = "from-env";
            p.AddFile(@"C:\Users\bob\.npmrc", "//r.example.com/:_authToken=${NPM_TOKEN}\r\n");
            var r = Resolve(p, Npm11Windows);
            Assert.Equal("from-env", r.GetEffective("//r.example.com/:_authToken")!.Value);
        }

        [Fact]
        public void Another_users_profile_is_resolved_with_that_users_folders()
        {
            var p = new FakePlatform(true, @"C:\Windows\System32", @"C:\Windows\System32\config\systemprofile");
            p.Env["USERPROFILE"] = @"C:\Windows\System32\config\systemprofile";
            p.Env["npm_config_audit"] = "false"; // the auditing account's own setting must not leak
            p.AddFile(@"C:\Program Files\nodejs\node_modules\npm\npmrc", "prefix=${APPDATA}\\npm\r\n");
            p.AddFile(@"C:\Users\alice\.npmrc", "save-exact=true\r\n");
            p.AddFile(@"C:\Users\alice\AppData\Roaming\npm\etc\npmrc", "fund=false\r\n");
            var r = Resolve(p, Npm11Windows, profile: @"C:\Users\alice");
            Assert.Equal(@"C:\Users\alice\.npmrc", r[NpmConfigLayer.User].Source);
            Assert.Equal(true, r.GetEffective("save-exact")!.Value);
            Assert.Equal(false, r.GetEffective("fund")!.Value);
            Assert.Equal(NpmConfigLayer.Default, r.GetEffective("audit")!.Layer);
        }

        [Fact]
        public void Unix_prefix_honours_PREFIX_then_DESTDIR()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["DESTDIR"] = "/stage";
            Assert.Equal("/stage/usr", Resolve(p, Npm11Unix).GlobalPrefix);
            p.Env["PREFIX"] = "/opt/npm";
            var r = Resolve(p, Npm11Unix);
            Assert.Equal("/opt/npm", r.GlobalPrefix);
            Assert.Equal("/opt/npm/etc/npmrc", r[NpmConfigLayer.Global].Source);
        }

        [Fact]
        public void Global_mode_ignores_the_project_config()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.AddFile("/w/package.json", "{}");
            p.AddFile("/w/.npmrc", "audit=false\n");
            p.Env["npm_config_global"] = "true";
            var r = Resolve(p, Npm11Unix);
            Assert.False(r[NpmConfigLayer.Project].Loaded);
            Assert.NotEqual(NpmConfigLayer.Project, r.GetEffective("audit")!.Layer);
        }

        [Fact]
        public void A_hard_linked_file_the_walk_refuses_is_an_error_that_says_npm_still_reads_it()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/w/package.json", "{}");
            p.AddFile("/home/u/.npmrc", "strict-ssl=false\n").HardLink("/home/u/.npmrc");
            var r = Resolve(p, Npm11Unix);
            var issue = Assert.Single(r.Issues, i => i.Source == "/home/u/.npmrc");
            Assert.Equal(NpmConfigIssueKind.Unreadable, issue.Kind);
            Assert.True(issue.IsError);
            // npm does read a hard link: saying it ignores the file would hide settings that apply
            Assert.Contains("npm reads it", issue.Message);
            Assert.DoesNotContain("ignores it", issue.Message);
        }

        [Fact]
        public void Misencoded_and_unreadable_files_are_reported_and_the_rest_still_resolves()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["HOME"] = "/home/u";
            var utf16 = new byte[] { 0xFF, 0xFE }.Concat(System.Text.Encoding.Unicode.GetBytes("strict-ssl=false\r\n")).ToArray();
            p.AddFile("/home/u/.npmrc", utf16);
            p.AddFile("/w/package.json", "{}");
            p.AddFile("/w/.npmrc", "audit=false\n").Deny("/w/.npmrc");
            p.AddFile("/usr/etc/npmrc", "fund=false\nnot-a-key=1\n");
            var r = Resolve(p, Npm11Unix);
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.Utf16Encoded && i.Source == "/home/u/.npmrc" && i.IsError);
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.Unreadable && i.Source == "/w/.npmrc" && i.Message.Contains("npm running as this user ignores it"));
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.UnknownKey && i.Source == "/usr/etc/npmrc" && i.Line == 2);
            Assert.Equal(true, r.GetEffective("strict-ssl")!.Value); // npm reads garbage from the UTF-16 file
            Assert.Equal(false, r.GetEffective("fund")!.Value);
        }

        [Fact]
        public void Node_not_found_still_reads_user_and_project_files()
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/home/u/.npmrc", "audit=false\n");
            var r = Resolve(p, new NpmInstallation(null, null, null, null));
            Assert.Equal(false, r.GetEffective("audit")!.Value);
            Assert.Contains(r.Issues, i => i.Kind == NpmConfigIssueKind.NodeNotFound);
            Assert.NotNull(r[NpmConfigLayer.Global].SkipReason);
        }

        [Fact]
        public void Credentials_are_redacted_with_fingerprint_and_checksum()
        {
            var random = "abcdefghijklmnopqrstuvwxyzABCD";
            var token = "npm_" + random + Credentials.NpmCredential.Checksum(random);
            var p = new FakePlatform(false, "/w", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.AddFile("/home/u/.npmrc", $"//registry.npmjs.org/:_authToken={token}\n//r.example.com/:_authToken=${{NPM_TOKEN}}\n");
            p.Env["NPM_TOKEN"] = token;
            var r = Resolve(p, Npm11Unix);
            var entries = NpmConfigEntries.Select(r, new NpmConfigEntryFilter()).ToList();
            var plain = entries.Single(e => e.Key == "//registry.npmjs.org/:_authToken");
            Assert.True(plain.IsSecret);
            Assert.Equal("GranularToken", plain.CredentialKind);
            Assert.True(plain.ChecksumValid);
            Assert.DoesNotContain(token, plain.Value as string);
            Assert.Equal("//registry.npmjs.org/", plain.Registry);
            var reference = entries.Single(e => e.Key == "//r.example.com/:_authToken");
            Assert.Equal("${NPM_TOKEN}", reference.Value);
            Assert.Equal("EnvironmentReference", reference.CredentialKind);
            Assert.Equal(plain.Fingerprint, reference.Fingerprint); // the same token, seen in two places
            foreach (var e in entries) Assert.DoesNotContain(token, e.ToString());
        }
    }
}
