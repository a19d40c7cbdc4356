using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>Planning on fake machines: what changes, where, and what is reported instead of claimed.</summary>
    public class HardeningPlannerTests
    {
        private const string UserRc = "/home/u/.npmrc";
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        private static FakePlatform Machine(string? userRc = null)
        {
            var p = new FakePlatform(false, "/home/u", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.Env["PATH"] = "/usr/bin";
            if (userRc != null) p.AddFile(UserRc, userRc);
            return p;
        }

        private static NpmConfigResolution Resolve(FakePlatform p, string npm = "11.19.1", string? cwd = null) =>
            NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = p,
                WorkingDirectory = cwd,
                Installation = new NpmInstallation("/usr/bin/node", "20.20.2", "/usr/lib/node_modules/npm", npm),
            });

        private static HardeningPlan PlanBaseline(FakePlatform p, NpmBaseline baseline, NpmHardeningScope scope = NpmHardeningScope.User, string npm = "11.19.1", string? cwd = null)
        {
            var r = Resolve(p, npm, cwd);
            return HardeningPlanner.Plan(r, scope, HardeningSettings.FromBaseline(baseline, r.NpmVersion), p);
        }

        private static HardeningPlan PlanSettings(FakePlatform p, Dictionary<string, object?> settings, NpmHardeningScope scope = NpmHardeningScope.User, string npm = "11.19.1", string? cwd = null)
        {
            var r = Resolve(p, npm, cwd);
            return HardeningPlanner.Plan(r, scope, HardeningSettings.FromMap(settings), p);
        }

        private static string Text(HardeningPlan plan) => Utf8.GetString(plan.Render());

        [Fact]
        public void Recommended_on_current_npm_writes_only_what_is_not_already_compliant()
        {
            var p = Machine("; my settings\nregistry=https://registry.npmjs.org/\n");
            var plan = PlanBaseline(p, NpmBaseline.Recommended);
            Assert.Null(plan.Problem);
            // strict-ssl, audit, package-lock, include-staged and dangerously-allow-all-scripts are compliant by default
            Assert.Equal(new[] { "strict-allow-scripts", "min-release-age", "allow-git", "allow-remote" }, plan.Changes.Select(c => c.Key));
            Assert.All(plan.Changes, c => Assert.Equal(PlannedChangeAction.Append, c.Action));
            Assert.All(plan.Changes, c => Assert.Null(c.OldValue));
            Assert.Equal("; my settings\nregistry=https://registry.npmjs.org/\nstrict-allow-scripts=true\nmin-release-age=3\nallow-git=root\nallow-remote=root\n", Text(plan));
            Assert.Contains("NPMH4001", plan.Changes[1].Reason);
            Assert.Equal("NPMH4001", plan.Changes[1].RuleId);
        }

        [Fact]
        public void Keys_the_detected_npm_does_not_know_are_skipped_with_the_upgrade_named()
        {
            var plan = PlanBaseline(Machine(""), NpmBaseline.Strict, npm: "11.9.0");
            var keys = plan.Changes.Select(c => c.Key).ToList();
            Assert.DoesNotContain("min-release-age", keys);
            Assert.DoesNotContain("allow-remote", keys);
            Assert.DoesNotContain("strict-npmrc", keys);
            Assert.Contains("ignore-scripts", keys);
            Assert.Contains("allow-git", keys); // 11.9.0 has it
            var w = plan.Warnings.Single(x => x.Key == "min-release-age");
            Assert.Equal(PlanWarningKind.NeedsNpmUpgrade, w.Kind);
            Assert.Contains("min-release-age needs npm ≥ 11.10.0", w.Message);
            Assert.Contains("npm 11.9.0 is installed", w.Message);
            Assert.Contains(plan.Warnings, x => x.Key == "strict-npmrc" && x.Message.Contains("npm ≥ 12.0.0"));
            Assert.Contains(plan.Warnings, x => x.Key == "allow-remote" && x.Message.Contains("npm ≥ 11.14.0"));
        }

        [Fact]
        public void Recommended_falls_back_to_ignore_scripts_before_the_allow_list_and_accepts_either()
        {
            var old = PlanBaseline(Machine(""), NpmBaseline.Recommended, npm: "11.10.0");
            Assert.Contains(old.Changes, c => c.Key == "ignore-scripts" && c.NewValue == "true");
            Assert.DoesNotContain(old.Changes, c => c.Key == "strict-allow-scripts");

            var already = PlanBaseline(Machine("ignore-scripts=true\n"), NpmBaseline.Recommended);
            Assert.DoesNotContain(already.Changes, c => c.Key == "strict-allow-scripts");

            var npm12 = PlanBaseline(Machine(""), NpmBaseline.Recommended, npm: "12.0.0");
            Assert.DoesNotContain(npm12.Changes, c => c.Key == "strict-allow-scripts" || c.Key == "ignore-scripts");
        }

        [Fact]
        public void Only_the_effective_duplicate_is_edited_in_place()
        {
            var p = Machine("strict-ssl=false\n# keep me\nstrict-ssl=false\naudit=true\n");
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["strict-ssl"] = true });
            var change = Assert.Single(plan.Changes);
            Assert.Equal(3, change.Line);
            Assert.Equal(PlannedChangeAction.Update, change.Action);
            Assert.Equal("false", change.OldValue);
            Assert.Equal("strict-ssl=false\n# keep me\nstrict-ssl=true\naudit=true\n", Text(plan));
        }

        [Fact]
        public void In_place_edits_keep_spacing_comments_and_quoting_style()
        {
            var p = Machine("strict-ssl = false ; the proxy needed this\nregistry = \"http://registry.example.com/\"\nheading='old'\n");
            var plan = PlanSettings(p, new Dictionary<string, object?>
            {
                ["strict-ssl"] = true,
                ["registry"] = "https://registry.example.com/",
                ["heading"] = "new",
            });
            Assert.Equal("strict-ssl = true ; the proxy needed this\nregistry = \"https://registry.example.com/\"\nheading='new'\n", Text(plan));
        }

        [Fact]
        public void Line_endings_bom_and_missing_final_newline_are_kept()
        {
            var p = Machine();
            p.AddFile(UserRc, Utf8.GetBytes("\uFEFF; corp\r\nstrict-ssl=false\r\naudit=true"));
            var plan = PlanBaseline(p, NpmBaseline.CI);
            var bytes = plan.Render();
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3));
            var text = Utf8.GetString(bytes);
            Assert.StartsWith("\uFEFF; corp\r\nstrict-ssl=true\r\naudit=true\r\nignore-scripts=true\r\n", text);
            Assert.False(text.EndsWith("\n", StringComparison.Ordinal), "the file had no final newline and must not gain one");
            Assert.DoesNotContain("\n", text.Replace("\r\n", ""));
        }

        [Fact]
        public void New_keys_go_before_the_first_section_and_a_leading_bom_stays_first()
        {
            var p = Machine("a-comment=1\n");
            p.AddFile(UserRc, "# top\n[section]\nstrict-ssl=false\n");
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["strict-ssl"] = false, ["audit"] = false });
            // strict-ssl inside [section] is section.strict-ssl, not the top-level key
            Assert.Equal("# top\nstrict-ssl=false\naudit=false\n[section]\nstrict-ssl=false\n", Text(plan));

            // npm does not see "\uFEFF[s]" as a section (its regex wants '[' first), so nothing is inserted before it;
            // a list on the first line is replaced with the byte-order mark kept in front
            var q = Machine();
            q.AddFile(UserRc, Utf8.GetBytes("\uFEFFmin-release-age-exclude[]=*\n[s]\nx=1\n"));
            var bom = PlanSettings(q, new Dictionary<string, object?> { ["min-release-age-exclude"] = new[] { "a", "b" }, ["audit"] = false }).Render();
            Assert.Equal(Utf8.GetBytes("\uFEFFmin-release-age-exclude[]=a\nmin-release-age-exclude[]=b\naudit=false\n[s]\nx=1\n"), bom);
        }

        [Fact]
        public void Bytes_that_are_not_utf8_survive_on_untouched_lines()
        {
            var p = Machine();
            var original = new byte[] { (byte)'x', (byte)'=', 0xC3, 0x28, 0xFF, (byte)'\n', (byte)'a', (byte)'u', (byte)'d', (byte)'i', (byte)'t', (byte)'=', (byte)'f', (byte)'a', (byte)'l', (byte)'s', (byte)'e', (byte)'\n' };
            p.AddFile(UserRc, original);
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["audit"] = true });
            var bytes = plan.Render();
            Assert.Equal(original.Take(6), bytes.Take(6));
            Assert.Equal("audit=true\n", Utf8.GetString(bytes, 6, bytes.Length - 6));
        }

        [Fact]
        public void Lists_replace_every_line_of_the_key()
        {
            var p = Machine("min-release-age-exclude[]=*\nfoo=1\nmin-release-age-exclude[]=@corp/*\n");
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["min-release-age-exclude"] = new[] { "@corp/*", "left-pad" } });
            var change = Assert.Single(plan.Changes);
            Assert.Equal(PlannedChangeAction.ReplaceLines, change.Action);
            Assert.Equal("foo=1\nmin-release-age-exclude[]=@corp/*\nmin-release-age-exclude[]=left-pad\n", Text(plan));
        }

        [Fact]
        public void A_higher_layer_that_still_wins_is_reported_not_claimed()
        {
            var p = Machine("strict-ssl=false\n");
            p.Env["npm_config_strict_ssl"] = "false";
            var plan = PlanBaseline(p, NpmBaseline.Recommended);
            var change = plan.Changes.Single(c => c.Key == "strict-ssl");
            Assert.Equal("environment variable npm_config_strict_ssl", change.StillOverriddenBy);
            var w = plan.Warnings.Single(x => x.Kind == PlanWarningKind.Overridden && x.Key == "strict-ssl");
            Assert.Contains("still wins", w.Message);
            Assert.Contains("npm_config_strict_ssl", w.Message);

            // compliant in the file, defeated above: no change, still a warning
            var q = Machine("strict-ssl=true\n");
            q.Env["npm_config_strict_ssl"] = "false";
            var plan2 = PlanBaseline(q, NpmBaseline.Recommended);
            Assert.DoesNotContain(plan2.Changes, c => c.Key == "strict-ssl");
            Assert.Contains(plan2.Warnings, x => x.Kind == PlanWarningKind.Overridden && x.Key == "strict-ssl" && x.Message.Contains("does not use the compliant value"));
        }

        [Fact]
        public void A_project_file_that_defeats_the_user_setting_is_named_with_its_line()
        {
            var p = Machine("");
            p.AddFile("/work/app/package.json", "{}");
            p.AddFile("/work/app/.npmrc", "# project\nignore-scripts=false\n");
            var plan = PlanBaseline(p, NpmBaseline.CI, cwd: "/work/app");
            var change = plan.Changes.Single(c => c.Key == "ignore-scripts");
            Assert.Equal("the project config /work/app/.npmrc:2", change.StillOverriddenBy);

            var project = PlanBaseline(p, NpmBaseline.CI, NpmHardeningScope.Project, cwd: "/work/app");
            Assert.Equal("/work/app/.npmrc", project.Path);
            Assert.Null(project.Changes.Single(c => c.Key == "ignore-scripts").StillOverriddenBy);
            Assert.Equal(2, project.Changes.Single(c => c.Key == "ignore-scripts").Line);
        }

        [Fact]
        public void A_lower_layer_that_breaks_the_default_makes_the_user_file_set_it()
        {
            var p = Machine("");
            p.AddFile("/usr/etc/npmrc", "strict-ssl=false\n");
            var plan = PlanBaseline(p, NpmBaseline.Recommended);
            var change = plan.Changes.Single(c => c.Key == "strict-ssl");
            Assert.Null(change.OldValue); // the user file itself did not set it
            Assert.Equal(PlannedChangeAction.Append, change.Action);

            var global = PlanBaseline(p, NpmBaseline.Recommended, NpmHardeningScope.Global);
            Assert.Equal("/usr/etc/npmrc", global.Path);
            Assert.Equal(1, global.Changes.Single(c => c.Key == "strict-ssl").Line);
        }

        [Theory]
        [InlineData(NpmBaseline.Recommended)]
        [InlineData(NpmBaseline.Strict)]
        [InlineData(NpmBaseline.CI)]
        public void Applying_a_baseline_twice_changes_nothing_the_second_time(NpmBaseline baseline)
        {
            var p = Machine("strict-ssl=false\nallow-git=all\nmin-release-age=1\n[x]\ny=1\n");
            var first = PlanBaseline(p, baseline);
            Assert.True(first.HasChanges);
            p.AddFile(UserRc, first.Render());
            var second = PlanBaseline(p, baseline);
            Assert.False(second.HasChanges, second.Describe());
            Assert.Empty(second.Changes);

            // and the posture audit agrees: every config rule of the baseline that this npm knows now passes
            var findings = PostureAuditor.Audit(new PostureRequest(Resolve(p), p, DateTimeOffset.UtcNow) { Baseline = baseline }).ToList();
            var configRules = RuleCatalog.Default.Rules.Where(r => r.AppliesTo(baseline) && r.ExpectationFor(baseline) != null).Select(r => r.Id).ToHashSet();
            Assert.DoesNotContain(findings, f => configRules.Contains(f.RuleId) && f.Status == NpmFindingStatus.Fail);
        }

        [Fact]
        public void Failed_findings_become_settings_and_the_rest_become_warnings()
        {
            var p = Machine("strict-ssl=false\nregistry=http://registry.example.com/\n");
            var r = Resolve(p);
            var findings = PostureAuditor.Audit(new PostureRequest(r, p, DateTimeOffset.UtcNow) { Baseline = NpmBaseline.Strict }).ToList();
            var desired = HardeningSettings.FromFindings(findings);
            Assert.Contains(desired.Settings, s => s.Key == "strict-ssl" && Equals(s.Value, true));
            Assert.Contains(desired.Settings, s => s.Key == "ignore-scripts");
            Assert.Contains(desired.Warnings, w => w.Kind == PlanWarningKind.NotFixableByConfig && w.Message.Contains("NPMH2002"));

            var plan = HardeningPlanner.Plan(r, NpmHardeningScope.User, desired, p);
            p.AddFile(UserRc, plan.Render());
            var after = PostureAuditor.Audit(new PostureRequest(Resolve(p), p, DateTimeOffset.UtcNow) { Baseline = NpmBaseline.Strict }).ToList();
            foreach (var s in desired.Settings)
                Assert.DoesNotContain(after, f => f.RuleId == s.RuleId && f.Status == NpmFindingStatus.Fail);
        }

        [Fact]
        public void Explicit_settings_are_validated_and_unrepresentable_values_refused()
        {
            var plan = PlanSettings(Machine(""), new Dictionary<string, object?>
            {
                ["allow-git"] = "sometimes",
                ["no-such-key"] = 1,
                ["heading"] = "true",
                ["min-release-age"] = "7",
                ["//registry.example.com/:email"] = "me@example.com",
            });
            Assert.Contains(plan.Warnings, w => w.Kind == PlanWarningKind.InvalidValue && w.Key == "allow-git" && w.Message.Contains("one of: all, none, root"));
            Assert.Contains(plan.Warnings, w => w.Kind == PlanWarningKind.UnknownKey && w.Key == "no-such-key");
            Assert.Contains(plan.Warnings, w => w.Kind == PlanWarningKind.ValueNotRepresentable && w.Key == "heading");
            Assert.Equal(new[] { "min-release-age", "//registry.example.com/:email" }, plan.Changes.Select(c => c.Key));
            Assert.Equal("min-release-age=7\n//registry.example.com/:email=me@example.com\n", Text(plan));
        }

        [Fact]
        public void Secrets_never_appear_in_plans()
        {
            const string token = "npm_abcdefghijklmnopqrstuvwxyz0123456789";
            var p = Machine($"//registry.npmjs.org/:_authToken={token}\nregistry=https://u:hunter22@r.example.com/\n");
            var plan = PlanSettings(p, new Dictionary<string, object?>
            {
                ["//registry.npmjs.org/:_authToken"] = "npm_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210",
                ["registry"] = "https://registry.npmjs.org/",
            });
            var described = plan.Describe() + string.Join("\n", plan.Changes.Select(c => c.ToString())) + string.Join("\n", plan.Warnings);
            Assert.DoesNotContain(token, described);
            Assert.DoesNotContain("ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210", described);
            Assert.DoesNotContain("hunter22", described);
            Assert.Contains("_authToken=npm_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210\n", Text(plan)); // only the file holds it
        }

        [Fact]
        public void A_hard_linked_file_is_refused_as_unsafe_and_nothing_is_planned_for_it()
        {
            var p = Machine("strict-ssl=false\n");
            p.HardLink(UserRc);
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["strict-ssl"] = true });
            Assert.Equal(NpmrcWriteError.UnsafePath, plan.Problem!.Kind);
            Assert.Contains("hard links", plan.Problem.Message);
            Assert.DoesNotContain("run as its owner", plan.Problem.Message);
            Assert.False(plan.HasChanges);

            var d = Machine("strict-ssl=false\n");
            d.Deny(UserRc);
            Assert.Equal(NpmrcWriteError.AccessDenied, PlanSettings(d, new Dictionary<string, object?> { ["strict-ssl"] = true }).Problem!.Kind);
        }

        [Fact]
        public void Utf16_files_directories_and_builtin_targets_are_flagged()
        {
            var p = Machine();
            p.AddFile(UserRc, Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("strict-ssl=false\r\n")).ToArray());
            var plan = PlanSettings(p, new Dictionary<string, object?> { ["strict-ssl"] = true });
            Assert.True(plan.ConvertsFromUtf16);
            Assert.Contains(plan.Warnings, w => w.Kind == PlanWarningKind.Utf16File);
            Assert.Equal("strict-ssl=true\r\n", Utf8.GetString(plan.Render()));
            Assert.Equal("false", plan.Changes.Single().OldValue);

            var d = Machine();
            d.AddDirectory(UserRc);
            var dir = PlanSettings(d, new Dictionary<string, object?> { ["strict-ssl"] = true });
            Assert.Equal(NpmrcWriteError.NotAFile, dir.Problem!.Kind);
            Assert.False(dir.HasChanges);
            Assert.Contains(UserRc, dir.Describe());

            var builtin = PlanBaseline(Machine(""), NpmBaseline.CI, NpmHardeningScope.Builtin);
            Assert.Equal("/usr/lib/node_modules/npm/npmrc", builtin.Path);
            Assert.Contains(builtin.Warnings, w => w.Kind == PlanWarningKind.BuiltinReplacedOnUpgrade);
        }

        [Fact]
        public void On_Windows_a_new_file_gets_CRLF_and_the_global_scope_is_explained()
        {
            var p = new FakePlatform(true, @"C:\Users\bob", @"C:\Users\bob");
            p.Env["USERPROFILE"] = @"C:\Users\bob";
            p.Env["APPDATA"] = @"C:\Users\bob\AppData\Roaming";
            p.AddFile(@"C:\Program Files\nodejs\node_modules\npm\npmrc", "prefix=${APPDATA}\\npm\r\n");
            var r = NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = p,
                Installation = new NpmInstallation(@"C:\Program Files\nodejs\node.exe", "22.1.0", @"C:\Program Files\nodejs\node_modules\npm", "11.19.1"),
            });
            var user = HardeningPlanner.Plan(r, NpmHardeningScope.User, HardeningSettings.FromBaseline(NpmBaseline.CI, r.NpmVersion), p);
            Assert.Equal(@"C:\Users\bob\.npmrc", user.Path);
            Assert.Equal(@"C:\Users\bob", user.Target.ContainmentRoot);
            Assert.StartsWith("ignore-scripts=true\r\n", Text(user));

            var global = HardeningPlanner.Plan(r, NpmHardeningScope.Global, HardeningSettings.FromBaseline(NpmBaseline.CI, r.NpmVersion), p);
            Assert.Equal(@"C:\Users\bob\AppData\Roaming\npm\etc\npmrc", global.Path);
            Assert.Contains(global.Warnings, w => w.Kind == PlanWarningKind.Note && w.Message.Contains("%APPDATA%"));
        }

        [Fact]
        public void Describe_names_file_key_old_and_new_for_ShouldProcess()
        {
            var plan = PlanSettings(Machine("strict-ssl=false\n"), new Dictionary<string, object?> { ["strict-ssl"] = true, ["audit"] = false });
            Assert.Equal("/home/u/.npmrc: strict-ssl false -> true (line 1); audit (unset) -> false (appended)", plan.Describe());
        }

        [Fact]
        public void Planning_on_a_real_disk_writes_nothing_at_all()
        {
            var dir = Path.Combine(Path.GetTempPath(), "npmh-whatif-" + Guid.NewGuid().ToString("N"));
            var backups = Path.Combine(dir, "backups");
            Directory.CreateDirectory(dir);
            try
            {
                var file = Path.Combine(dir, ".npmrc");
                File.WriteAllText(file, "strict-ssl=false\n");
                var before = Snapshot(dir);
                var target = new HardeningTarget(NpmHardeningScope.User, file, dir);
                var plan = HardeningPlanner.PlanFile(target, HardeningSettings.FromBaseline(NpmBaseline.Strict, NpmrcValueWriterTests.Npm), NpmrcValueWriterTests.Npm);
                Assert.True(plan.HasChanges);
                plan.Describe();
                plan.Render();
                Assert.Equal(before, Snapshot(dir));
                Assert.False(Directory.Exists(backups));
                Assert.False(File.Exists(file + NpmrcFileWriter.LockSuffix));
            }
            finally { Directory.Delete(dir, true); }
        }

        internal static string Snapshot(string dir) =>
            string.Join("\n", Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderBy(x => x, StringComparer.Ordinal)
                .Select(f => f + (File.Exists(f) ? " " + Convert.ToBase64String(File.ReadAllBytes(f)) : "/")));
    }
}
