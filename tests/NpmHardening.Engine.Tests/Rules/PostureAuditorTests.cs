using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>Every rule, pass and fail, on Unix and Windows, with npm 11 and npm 12 defaults.</summary>
    public class PostureAuditorTests
    {
        public static IEnumerable<object[]> Platforms => PostureMachine.Platforms();

        private static bool Is12(string npm) => npm.StartsWith("12.", StringComparison.Ordinal);

        // ---- coverage and shape ---------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void Every_rule_yields_at_least_one_finding_in_every_baseline(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            foreach (NpmBaseline baseline in Enum.GetValues(typeof(NpmBaseline)))
            {
                var findings = m.Audit(baseline);
                foreach (var rule in RuleCatalog.Default.Rules)
                {
                    // online rules need a registry request, which the offline audit never makes; pipeline rules judge CI files
                    if (!rule.InPostureAudit) Assert.DoesNotContain(findings, f => f.RuleId == rule.Id);
                    else Assert.Contains(findings, f => f.RuleId == rule.Id);
                }
                Assert.All(findings, f =>
                {
                    Assert.Equal(baseline.ToString(), f.Baseline);
                    Assert.Equal(m.Home, f.Context);
                    Assert.False(string.IsNullOrEmpty(f.Message));
                    Assert.Equal(RuleCatalog.Default[f.RuleId].Title, f.Title);
                    Assert.NotEqual(NpmFindingStatus.Error, f.Status);
                    if (f.Status == NpmFindingStatus.Fail) Assert.False(string.IsNullOrEmpty(f.Fix()), f.RuleId + " fails without a remediation");
                    if (f.Status == NpmFindingStatus.Pass) Assert.Null(f.Remediation);
                });
            }
        }

        [Fact]
        public void Rules_outside_the_baseline_are_NotApplicable_with_a_reason()
        {
            var f = new PostureMachine(false).One("NPMH6003");
            Assert.Equal(NpmFindingStatus.NotApplicable, f.Status);
            Assert.Contains("Strict", f.Message);
            Assert.Equal(NpmFindingStatus.Fail, new PostureMachine(false).One("NPMH6003", NpmBaseline.Strict).Status);
        }

        [Fact]
        public void RuleId_filter_takes_ids_and_wildcards()
        {
            var m = new PostureMachine(false);
            Assert.All(m.Audit(NpmBaseline.Recommended, configure: r => r.RuleIds = new[] { "npmh7*" }), f => Assert.StartsWith("NPMH7", f.RuleId));
            Assert.Equal(new[] { "NPMH2001", "NPMH6001" },
                m.Audit(NpmBaseline.Recommended, configure: r => r.RuleIds = new[] { "NPMH2001", "NPMH6001" }).Select(f => f.RuleId).Distinct());
        }

        [Fact]
        public void A_failing_evaluation_becomes_an_Error_finding_and_the_others_still_run()
        {
            var m = new PostureMachine(false).User("audit=false");
            var platform = new ThrowingAccessPlatform(m.P);
            var request = new PostureRequest(m.Resolve(), platform, PostureMachine.Now);
            var findings = PostureAuditor.Audit(request).ToList();
            var error = Assert.Single(findings, f => f.RuleId == "NPMH8002");
            Assert.Equal(NpmFindingStatus.Error, error.Status);
            Assert.Contains(m.UserNpmrc, error.Message);
            Assert.Contains(findings, f => f.RuleId == "NPMH6001" && f.Status == NpmFindingStatus.Fail);
        }

        // ---- 1xxx toolchain ---------------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH1001_1002_report_npm_and_node(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            var n = m.One("NPMH1001");
            Assert.Equal(NpmFindingStatus.Pass, n.Status);
            Assert.Equal(npm, n.Actual);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH1002").Status);

            m.Npm = new NpmInstallation(null, null, null, null);
            Assert.Equal(NpmFindingStatus.Warning, m.One("NPMH1001").Status);
            Assert.Equal(NpmFindingStatus.Warning, m.One("NPMH1002").Status);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH1003").Status);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH1005").Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH1003_judges_node_end_of_life_against_the_given_clock(bool windows, string npm)
        {
            var node20 = new PostureMachine(windows, npm, nodeVersion: "20.19.0");
            var before = node20.One("NPMH1003", now: new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(NpmFindingStatus.Pass, before.Status);
            var soon = node20.One("NPMH1003", now: new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(NpmFindingStatus.Warning, soon.Status);
            var after = node20.One("NPMH1003", now: new DateTimeOffset(2026, 4, 30, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(NpmFindingStatus.Fail, after.Status);
            Assert.Equal(NpmSeverity.High, after.Severity);
            Assert.Contains("2026-04-30", after.Message);
            Assert.Contains("Node.js 24", after.Fix());

            Assert.Equal(NpmFindingStatus.Pass, new PostureMachine(windows, npm, "24.3.0").One("NPMH1003").Status);
            Assert.Equal(NpmFindingStatus.Fail, new PostureMachine(windows, npm, "25.1.0").One("NPMH1003").Status); // odd line, EOL 2026-06-01
            Assert.Equal(NpmFindingStatus.Fail, new PostureMachine(windows, npm, "12.22.12").One("NPMH1003").Status); // older than the table
            Assert.Equal(NpmFindingStatus.Pass, new PostureMachine(windows, npm, "40.0.0").One("NPMH1003").Status); // newer than the table
            Assert.Equal(NpmFindingStatus.NotApplicable, new PostureMachine(windows, npm, null).One("NPMH1003").Status);
        }

        [Theory]
        [InlineData("11.4.0", "NPMH1004", NpmFindingStatus.Warning, "11.5.1")]
        [InlineData("11.5.1", "NPMH1004", NpmFindingStatus.Pass, null)]
        [InlineData("11.14.0", "NPMH1005", NpmFindingStatus.Warning, "11.15.0")]
        [InlineData("11.15.0", "NPMH1005", NpmFindingStatus.Pass, null)]
        [InlineData("11.9.0", "NPMH1006", NpmFindingStatus.Warning, "11.10.0")]
        [InlineData("11.10.0", "NPMH1006", NpmFindingStatus.Pass, null)]
        [InlineData("11.8.0", "NPMH1007", NpmFindingStatus.Warning, "11.9.0")]
        [InlineData("11.9.0", "NPMH1007", NpmFindingStatus.Pass, null)]
        [InlineData("11.13.0", "NPMH1008", NpmFindingStatus.Warning, "11.14.0")]
        [InlineData("11.14.0", "NPMH1008", NpmFindingStatus.Pass, null)]
        [InlineData("11.15.0", "NPMH1009", NpmFindingStatus.Warning, "11.16.0")]
        [InlineData(PostureMachine.Npm12, "NPMH1009", NpmFindingStatus.Pass, null)]
        public void NPMH1004_to_1009_name_the_npm_version_to_upgrade_to(string npm, string rule, NpmFindingStatus status, string? upgrade)
        {
            foreach (var windows in new[] { false, true })
            {
                var f = new PostureMachine(windows, npm).One(rule);
                Assert.Equal(status, f.Status);
                Assert.Equal(npm, f.Actual);
                if (upgrade != null)
                {
                    Assert.Contains($"upgrade npm to ≥ {upgrade}", f.Message);
                    Assert.Equal("npm install -g npm@latest", f.Fix());
                }
            }
        }

        // ---- settings overridden by variables a shell or session defines (issue 10, red-team item 4) --------

        [Theory, MemberData(nameof(Platforms))]
        public void A_setting_a_start_up_file_overrides_fails_even_when_the_auditing_process_lacks_the_variable(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-ssl=true");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2001").Status);

            m.Persistent(EnvironmentScope.User, "npm_config_strict_ssl", "false", line: 12);
            var fail = m.One("NPMH2001");
            Assert.Equal(NpmFindingStatus.Fail, fail.Status);
            Assert.Equal("false", fail.Actual);
            Assert.Contains("npm_config_strict_ssl", fail.Message);
            Assert.Contains(":12", fail.Message);
            Assert.Contains("npm_config_strict_ssl", fail.Fix());
            Assert.Contains("npm_config_strict_ssl", fail.Remediation!.Summary);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void A_start_up_variable_is_typed_as_npm_types_it(bool windows, string npm)
        {
            // the variable's text goes through the resolver: "true" keeps the check on, "false" turns it off, and the
            // upper-case prefix is npm's too (/^npm_config_/i)
            var m = new PostureMachine(windows, npm).User("strict-ssl=true")
                .Persistent(EnvironmentScope.Machine, "NPM_CONFIG_STRICT_SSL", "true", line: 3);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2001").Status);
            m.Persistent(EnvironmentScope.Machine, "NPM_CONFIG_STRICT_SSL", "false", line: 4);
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH2001").Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void A_start_up_variable_that_chooses_a_file_is_never_applied(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-ssl=true");
            m.Global("strict-ssl=false");
            m.Persistent(EnvironmentScope.User, "npm_config_userconfig", m.GlobalNpmrc, line: 1);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2001").Status);
        }

        // ---- 2xxx transport and registry -------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH2001_strict_ssl_false_in_the_winning_layer_fails_high(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            var pass = m.One("NPMH2001");
            Assert.Equal(NpmFindingStatus.Pass, pass.Status);
            Assert.Equal("default", pass.Src());

            m.User("strict-ssl=false");
            var fail = m.One("NPMH2001");
            Assert.Equal(NpmFindingStatus.Fail, fail.Status);
            Assert.Equal(NpmSeverity.High, fail.Severity);
            Assert.Equal("false", fail.Actual);
            Assert.Equal("User", fail.Layer);
            Assert.Equal(m.UserNpmrc + ":1", fail.Src());
            Assert.Equal("Set-NpmHardening -Scope User -UserProfile '" + m.Home + "' -Setting @{ 'strict-ssl' = $true }", fail.Fix());

            m.ProjectRc("strict-ssl=true"); // a higher layer wins: the user file's false no longer decides
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2001").Status);

            m.Env("npm_config_strict_ssl", "false");
            var env = m.One("NPMH2001");
            Assert.Equal(NpmFindingStatus.Fail, env.Status);
            Assert.Equal("npm_config_strict_ssl", env.Src());
            Assert.StartsWith("Remove-Item -LiteralPath 'Env:npm_config_strict_ssl'; Set-NpmHardening", env.Fix());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH2002_registries_must_use_https_except_on_loopback(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2002").Status);

            m.User("registry=http://registry.example.com/", "@corp:registry=https://npm.corp.example/", "@local:registry=http://localhost:4873/");
            var findings = m.Audit("NPMH2002");
            Assert.Equal(3, findings.Count);
            var main = findings.Single(f => f.Setting == "registry");
            Assert.Equal(NpmFindingStatus.Fail, main.Status);
            Assert.Equal(NpmSeverity.High, main.Severity);
            Assert.Contains("'registry' = 'https://registry.example.com/'", main.Fix());
            Assert.Equal(NpmFindingStatus.Pass, findings.Single(f => f.Setting == "@corp:registry").Status);
            Assert.Equal(NpmFindingStatus.Pass, findings.Single(f => f.Setting == "@local:registry").Status);

            m.ProjectRc("@evil:registry=http://npm.evil.example/");
            var scoped = m.Audit("NPMH2002").Single(f => f.Setting == "@evil:registry");
            Assert.Equal(NpmFindingStatus.Fail, scoped.Status);
            Assert.Equal("Project", scoped.Layer);
            Assert.Contains("-Scope Project -Path '" + m.Project + "'", scoped.Fix());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH2003_registries_outside_the_allowed_list_are_medium(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH2003").Status);

            m.User("registry=https://registry.npmjs.org", "@corp:registry=https://npm.corp.example/");
            var findings = m.Audit("NPMH2003");
            Assert.Equal(NpmFindingStatus.Pass, findings.Single(f => f.Setting == "registry").Status); // trailing slash is not a difference
            var corp = findings.Single(f => f.Setting == "@corp:registry");
            Assert.Equal(NpmFindingStatus.Fail, corp.Status);
            Assert.Equal(NpmSeverity.Medium, corp.Severity);
            Assert.Contains("-AllowedRegistry", corp.Fix());

            var allowed = m.Audit("NPMH2003", configure: r => r.AllowedRegistries = new[] { "https://registry.npmjs.org/", "https://NPM.corp.example" });
            Assert.All(allowed, f => Assert.Equal(NpmFindingStatus.Pass, f.Status));
        }

        // ---- 3xxx install scripts ----------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH3001_defaults_fail_on_npm_11_and_pass_on_npm_12_under_Recommended(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            var f = m.One("NPMH3001");
            if (Is12(npm))
            {
                Assert.Equal(NpmFindingStatus.Pass, f.Status);
                Assert.Contains("blocks", f.Message);
            }
            else
            {
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Equal(NpmSeverity.High, f.Severity);
                Assert.Equal("strict-allow-scripts", f.Setting); // npm 11.19 has the allow-list: the gentler fix
                Assert.Contains("'strict-allow-scripts' = $true", f.Fix());
            }
            // Strict and CI want no scripts at all, whatever npm blocks by default
            foreach (var b in new[] { NpmBaseline.Strict, NpmBaseline.CI })
            {
                var strict = m.One("NPMH3001", b);
                Assert.Equal(NpmFindingStatus.Fail, strict.Status);
                Assert.Contains("'ignore-scripts' = $true", strict.Fix());
            }
            m.User("ignore-scripts=true");
            foreach (NpmBaseline b in Enum.GetValues(typeof(NpmBaseline)))
                Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH3001", b).Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH3001_accepts_an_enforced_allow_list_and_rejects_its_bypass(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-allow-scripts=true");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH3001").Status);
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH3001", NpmBaseline.CI).Status);
            m.ProjectRc("dangerously-allow-all-scripts=true");
            var f = m.One("NPMH3001");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal("dangerously-allow-all-scripts", f.Setting);
        }

        [Fact]
        public void NPMH3001_on_an_npm_without_allow_list_recommends_ignore_scripts_and_the_upgrade()
        {
            var f = new PostureMachine(false, "11.10.0").One("NPMH3001");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal("ignore-scripts", f.Setting);
            Assert.Contains("upgrade npm to ≥ 11.16.0", f.Message);
            Assert.Contains("'ignore-scripts' = $true", f.Fix());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH3002_dangerously_allow_all_scripts_is_high(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH3002").Status);
            m.User("dangerously-allow-all-scripts=true");
            var f = m.One("NPMH3002");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.High, f.Severity);
            Assert.Contains("'dangerously-allow-all-scripts' = $false", f.Fix());

            var old = new PostureMachine(windows, "11.15.0").User("dangerously-allow-all-scripts=true").One("NPMH3002");
            Assert.Equal(NpmFindingStatus.NotApplicable, old.Status);
            Assert.Contains("upgrade npm to ≥ 11.16.0", old.Message);
            Assert.Contains("ignores it", old.Message);
        }

        // ---- 4xxx cooldown ---------------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH4001_cooldown_must_reach_the_baseline_days(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            var unset = m.One("NPMH4001");
            Assert.Equal(NpmFindingStatus.Fail, unset.Status);
            Assert.Equal("(unset)", unset.Actual);
            Assert.Contains("'min-release-age' = 3", unset.Fix());

            m.User("min-release-age=3");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH4001").Status);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH4001", NpmBaseline.CI).Status);
            var strict = m.One("NPMH4001", NpmBaseline.Strict);
            Assert.Equal(NpmFindingStatus.Fail, strict.Status);
            Assert.Equal("≥ 7", strict.Expected);
            Assert.Contains("'min-release-age' = 7", strict.Fix());
            m.User("min-release-age=7");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH4001", NpmBaseline.Strict).Status);
        }

        [Fact]
        public void NPMH4001_is_NotApplicable_before_npm_11_10_and_says_which_version_to_install()
        {
            var f = new PostureMachine(false, "11.9.0").User("min-release-age=7").One("NPMH4001");
            Assert.Equal(NpmFindingStatus.NotApplicable, f.Status);
            Assert.Contains("upgrade npm to ≥ 11.10.0", f.Message);
            Assert.Equal("npm install -g npm@latest", f.Fix());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH4002_exclusions_that_cover_every_package_fail(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH4002").Status);
            m.User("min-release-age=7", "min-release-age-exclude[]=@myorg/*", "min-release-age-exclude[]=my-internal-pkg");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH4002").Status);
            m.User("min-release-age=7", "min-release-age-exclude[]=@myorg/*", "min-release-age-exclude[]=*");
            var f = m.One("NPMH4002");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Contains("'*'", f.Message);
            Assert.Contains("@('@myorg/*')", f.Fix());
        }

        [Theory]
        [InlineData("*", true)]
        [InlineData("**", true)]
        [InlineData("@*/*", true)]
        [InlineData("{*,@*/*}", true)]
        [InlineData("?*", true)]
        [InlineData("@myorg/*", false)]
        [InlineData("my-internal-pkg", false)]
        [InlineData("react*", false)]
        [InlineData("!*", false)]
        public void Cooldown_exclusion_patterns_are_judged_like_minimatch(string pattern, bool everything) =>
            Assert.Equal(everything, AuditRun.ExemptsEverything(pattern));

        [Fact]
        public void NPMH4002_is_NotApplicable_before_npm_11_17()
        {
            var f = new PostureMachine(false, "11.16.0").One("NPMH4002");
            Assert.Equal(NpmFindingStatus.NotApplicable, f.Status);
            Assert.Contains("upgrade npm to ≥ 11.17.0", f.Message);
        }

        // ---- 5xxx dependency sources -----------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH5001_5002_npm_12_defaults_pass_npm_11_defaults_fail(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            foreach (var (rule, key) in new[] { ("NPMH5001", "allow-git"), ("NPMH5002", "allow-remote") })
            {
                var f = m.One(rule);
                Assert.Equal(key, f.Setting);
                Assert.Equal("Default", f.Layer);
                if (Is12(npm))
                {
                    Assert.Equal(NpmFindingStatus.Pass, f.Status);
                    Assert.Equal("none", f.Actual);
                }
                else
                {
                    Assert.Equal(NpmFindingStatus.Fail, f.Status);
                    Assert.Equal("all", f.Actual);
                    Assert.Equal(NpmSeverity.Medium, f.Severity);
                    Assert.Contains($"'{key}' = 'root'", f.Fix());
                }
            }
            m.User("allow-git=root", "allow-remote=root");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH5001").Status);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH5002").Status);
            var strict = m.One("NPMH5001", NpmBaseline.Strict);
            Assert.Equal(NpmFindingStatus.Fail, strict.Status); // Strict wants none
            Assert.Contains("'allow-git' = 'none'", strict.Fix());
            m.ProjectRc("allow-git=all");
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH5001").Status);
        }

        [Theory]
        [InlineData("11.8.0", "NPMH5001", "11.9.0")]
        [InlineData("11.13.0", "NPMH5002", "11.14.0")]
        public void NPMH5001_5002_are_NotApplicable_on_npm_without_the_key(string npm, string rule, string upgrade)
        {
            var f = new PostureMachine(true, npm).One(rule);
            Assert.Equal(NpmFindingStatus.NotApplicable, f.Status);
            Assert.Contains($"upgrade npm to ≥ {upgrade}", f.Message);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH5003_5004_file_and_directory_sources_in_Strict(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH5003").Status);
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH5003", NpmBaseline.Strict).Status); // default all in both npm 11 and 12
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH5004", NpmBaseline.Strict).Status);
            m.User("allow-file=root", "allow-directory=none");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH5003", NpmBaseline.Strict).Status);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH5004", NpmBaseline.Strict).Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH5005_include_staged_is_low(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH5005").Status);
            m.Global("include-staged=true");
            var f = m.One("NPMH5005");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.Low, f.Severity);
            Assert.Equal("Global", f.Layer);
            Assert.Contains("-Scope User", f.Fix()); // the user config beats the global one for this user
        }

        // ---- 6xxx integrity ----------------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH6001_6002_audit_and_lockfile_off_are_medium(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH6001").Status);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH6002").Status);
            m.User("audit=false", "package-lock=false");
            foreach (var id in new[] { "NPMH6001", "NPMH6002" })
            {
                var f = m.One(id);
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Equal(NpmSeverity.Medium, f.Severity);
                Assert.Contains("= $true }", f.Fix());
            }
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH6003_6004_save_exact_and_engine_strict_in_Strict(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            var f = m.One("NPMH6003", NpmBaseline.Strict);
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.Low, f.Severity);
            Assert.Equal(NpmFindingStatus.Fail, m.One("NPMH6004", NpmBaseline.Strict).Status);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH6004", NpmBaseline.CI).Status);
            m.User("save-exact=true", "engine-strict=true");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH6003", NpmBaseline.Strict).Status);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH6004", NpmBaseline.Strict).Status);
        }

        // ---- 7xxx credentials --------------------------------------------------------------------------------

        internal static string Token(string random30) => "npm_" + random30 + Credentials.NpmCredential.Checksum(random30);

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH7001_one_finding_per_plaintext_token_a_reference_to_an_unset_variable_warns(bool windows, string npm)
        {
            var token = Token("abcdefghijklmnopqrstuvwxyzABCD");
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH7001").Status);

            m.User($"//registry.npmjs.org/:_authToken={token}", "//npm.corp.example/:_authToken=${CORP_TOKEN}");
            m.ProjectRc("//npm.pkg.github.com/:_authToken=ghp_plaintextvalue0123456789");
            var findings = m.Audit("NPMH7001");
            Assert.Equal(3, findings.Count);
            var plain = findings.Single(f => f.Setting == "//registry.npmjs.org/:_authToken");
            Assert.Equal(NpmFindingStatus.Fail, plain.Status);
            Assert.Equal(NpmSeverity.High, plain.Severity);
            Assert.Equal(m.UserNpmrc + ":1", plain.Src());
            Assert.StartsWith("npm_ab…", plain.Actual);
            Assert.Contains("fingerprint " + Credentials.NpmCredential.Fingerprint(token), plain.Actual);
            Assert.StartsWith($"Protect-NpmrcToken -LiteralPath '{m.UserNpmrc}' -VariableName NPM_TOKEN", plain.Fix());
            var reference = findings.Single(f => f.Setting == "//npm.corp.example/:_authToken");
            // npm would send the reference text itself: the same Warning Test-NpmrcToken gives the line
            Assert.Equal(NpmFindingStatus.Warning, reference.Status);
            Assert.Equal("${CORP_TOKEN} (variable not set)", reference.Actual);
            Assert.Equal(NpmFindingStatus.Fail, findings.Single(f => f.Layer == "Project").Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH7001_tokens_from_the_environment_pass_only_under_CI(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).Env("npm_config_//registry.npmjs.org/:_authToken", Token("0123456789abcdefghijABCDEFGHIJ"));
            var f = m.One("NPMH7001");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal("npm_config_//registry.npmjs.org/:_authToken", f.Src());
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH7001", NpmBaseline.CI).Status);
        }

        [Fact]
        public void NPMH7001_a_token_with_a_bad_checksum_is_reported_at_low_severity()
        {
            var m = new PostureMachine(false).User("//registry.npmjs.org/:_authToken=npm_000000000000000000000000000000000000");
            var f = m.One("NPMH7001");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.Low, f.Severity);
            Assert.Contains("checksum is invalid", f.Message);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH7002_legacy_auth_and_password_are_high(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH7002").Status);
            m.User("//r.example.com/:_auth=dXNlcjpzZWNyZXRwYXNz", "//r.example.com/:username=alice", "//r.example.com/:_password=c2VjcmV0cGFzcw==");
            var findings = m.Audit("NPMH7002");
            Assert.Equal(2, findings.Count);
            Assert.All(findings, f =>
            {
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Equal(NpmSeverity.High, f.Severity);
                Assert.DoesNotContain("secretpass", f.Actual);
            });
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH7003_unscoped_auth_keys_fail_even_as_references(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH7003").Status);
            m.User("_authToken=${NPM_TOKEN}", "username=alice", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}");
            var findings = m.Audit("NPMH7003");
            Assert.Equal(new[] { "_authToken", "username" }, findings.Select(f => f.Setting).OrderBy(s => s, StringComparer.Ordinal));
            Assert.All(findings, f =>
            {
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Equal("npm config fix", f.Fix());
                Assert.Contains("ERR_INVALID_AUTH", f.Message);
            });
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH7004_persistent_token_variables_fail_session_ones_warn(bool windows, string npm)
        {
            var token = Token("ZYXWVUTSRQPONMLKJIHGFEDCBA0123");
            var m = new PostureMachine(windows, npm);
            m.Env("PATH", windows ? @"C:\Windows" : "/usr/bin");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH7004").Status);

            m.Persistent(EnvironmentScope.Machine, "NPM_TOKEN", token, line: windows ? null : 3);
            m.Persistent(EnvironmentScope.User, "GITHUB_PACKAGES", Token("abcdefghijabcdefghijabcdefghij"));
            m.Env("NODE_AUTH_TOKEN", "opaque-session-secret-value");
            m.Env("NPM_TOKEN", token); // the persistent one, inherited: reported once, where it is defined
            var findings = m.Audit("NPMH7004");
            Assert.Equal(3, findings.Count);
            var machine = findings.Single(f => f.Setting == "NPM_TOKEN");
            Assert.Equal(NpmFindingStatus.Fail, machine.Status);
            Assert.Equal("Machine environment", machine.Layer);
            Assert.Equal(NpmSeverity.High, machine.Severity);
            if (windows) Assert.Equal("[Environment]::SetEnvironmentVariable('NPM_TOKEN', $null, 'Machine')", machine.Fix());
            else Assert.Equal("sed -i '3d' '/etc/environment'  # the line that sets NPM_TOKEN", machine.Fix());
            var user = findings.Single(f => f.Setting == "GITHUB_PACKAGES"); // named innocently, shaped like an npm token
            Assert.Equal(NpmFindingStatus.Fail, user.Status);
            if (windows) Assert.Contains(@"HKEY_USERS\S-1-5-21-1-2-3-1001\Environment", user.Fix());
            var session = findings.Single(f => f.Setting == "NODE_AUTH_TOKEN");
            Assert.Equal(NpmFindingStatus.Warning, session.Status);
            Assert.Equal("Remove-Item -LiteralPath 'Env:NODE_AUTH_TOKEN'", session.Fix());

            var ci = m.Audit("NPMH7004", NpmBaseline.CI);
            Assert.Equal(NpmFindingStatus.Pass, ci.Single(f => f.Setting == "NODE_AUTH_TOKEN").Status);
            Assert.Equal(NpmFindingStatus.Fail, ci.Single(f => f.Setting == "NPM_TOKEN").Status);

            var otherUser = m.Audit("NPMH7004", configure: r => r.AuditProcessEnvironment = false);
            Assert.DoesNotContain(otherUser, f => f.Setting == "NODE_AUTH_TOKEN");
        }

        [Fact]
        public void NPMH7004_an_unreadable_variable_store_is_an_Error_and_the_other_scope_is_still_checked()
        {
            var m = new PostureMachine(true).Persistent(EnvironmentScope.Machine, "NPM_TOKEN", Token("abcdefghijklmnopqrstuvwxyzABCD"));
            var request = new PostureRequest(m.Resolve(), new DeniedRegistryPlatform(m.P), PostureMachine.Now) { RuleIds = new[] { "NPMH7004" } };
            var findings = PostureAuditor.Audit(request).ToList();
            Assert.Contains(findings, f => f.Status == NpmFindingStatus.Error && f.Message!.Contains("User environment variables could not be read"));
            Assert.Contains(findings, f => f.Status == NpmFindingStatus.Fail && f.Setting == "NPM_TOKEN");
        }

        [Theory]
        [InlineData("NPM_TOKEN", "abcdef123456", true)]
        [InlineData("NODE_AUTH_TOKEN", "abcdef123456", true)]
        [InlineData("YARN_NPM_AUTH_TOKEN", "abcdef123456", true)]
        [InlineData("npm_config__authToken", "abcdef123456", true)]
        [InlineData("npm_config_//r.example.com/:_authToken", "abcdef123456", true)]
        [InlineData("NPM_TOKEN", "${OTHER}", false)]
        [InlineData("NPM_TOKEN", "", false)]
        [InlineData("npm_config_cafile", "/etc/ssl/corp.pem", false)]
        [InlineData("npm_config_registry", "https://registry.npmjs.org/", false)]
        [InlineData("HOME", "/home/u", false)]
        public void Token_bearing_variables_are_recognised_by_name_or_value(string name, string value, bool expected) =>
            Assert.Equal(expected, AuditRun.IsTokenVariable(name, value));

        // ---- 8xxx file permissions ---------------------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH8001_credential_files_readable_by_others_are_high(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH8001").Status);
            m.User("//registry.npmjs.org/:_authToken=" + Token("abcdefghijklmnopqrstuvwxyzABCD"));
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH8001").Status); // fake platform: owner only
            m.Access(m.UserNpmrc, readers: windows ? new[] { @"BUILTIN\Users" } : new[] { "group", "others" }, mode: 0x1A4);
            var f = m.One("NPMH8001");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.High, f.Severity);
            Assert.Equal(m.UserNpmrc, f.Setting);
            Assert.Equal("User", f.Layer);
            if (windows)
            {
                Assert.Contains(@"BUILTIN\Users can read", f.Actual);
                Assert.Equal(@"icacls 'C:\Users\bob\.npmrc' /inheritance:r /grant:r 'HOST\bob:(F)' '*S-1-5-18:(F)' '*S-1-5-32-544:(F)'", f.Fix());
            }
            else
            {
                Assert.StartsWith("0644", f.Actual);
                Assert.Equal("chmod 600 '/home/u/.npmrc'", f.Fix());
            }
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH8002_config_files_writable_by_others_are_medium(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH8002").Status); // no file at all
            m.Global("fund=false").User("fund=false");
            Assert.All(m.Audit("NPMH8002"), f => Assert.Equal(NpmFindingStatus.Pass, f.Status));
            m.Access(m.GlobalNpmrc, readers: new[] { "others" }, writers: windows ? new[] { "Everyone" } : new[] { "others" });
            var findings = m.Audit("NPMH8002");
            Assert.Equal(2, findings.Count);
            var global = findings.Single(f => f.Layer == "Global");
            Assert.Equal(NpmFindingStatus.Fail, global.Status);
            Assert.Equal(NpmSeverity.Medium, global.Severity);
            Assert.Equal(NpmFindingStatus.Pass, findings.Single(f => f.Layer == "User").Status);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH8003_a_readable_user_config_without_credentials_is_low(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("fund=false");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH8003").Status);
            m.Access(m.UserNpmrc, readers: new[] { "others" });
            var f = m.One("NPMH8003");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.Low, f.Severity);
            m.User("//registry.npmjs.org/:_authToken=" + Token("abcdefghijklmnopqrstuvwxyzABCD"));
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH8003").Status); // NPMH8001's business now
            m.ProjectRc("fund=false").Access(m.ProjectNpmrc, readers: new[] { "others" });
            Assert.Single(m.Audit("NPMH8003")); // project files are meant to be shared
        }

        [Fact]
        public void File_access_that_cannot_be_determined_is_NotApplicable()
        {
            var m = new PostureMachine(false).User("fund=false");
            var request = new PostureRequest(m.Resolve(), new UnknownAccessPlatform(m.P), PostureMachine.Now) { RuleIds = new[] { "NPMH8*" } };
            Assert.All(PostureAuditor.Audit(request), f => Assert.Equal(NpmFindingStatus.NotApplicable, f.Status));
        }

        // ---- 9xxx overrides, proxies, hygiene ----------------------------------------------------------------

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9001_execution_overrides_are_warnings_with_their_value(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9001").Status);
            m.ProjectRc("script-shell=/tmp/evil.sh", "git=git", "node-options=--require ./hook.js", "prefix=/tmp/p");
            m.Env("npm_config_node_gyp", "/tmp/gyp.js");
            var findings = m.Audit("NPMH9001");
            Assert.All(findings, f => { Assert.Equal(NpmFindingStatus.Warning, f.Status); Assert.Equal(NpmSeverity.Medium, f.Severity); });
            Assert.Equal(new[] { "node-gyp", "node-options", "prefix", "script-shell" }, findings.Select(f => f.Setting).OrderBy(s => s, StringComparer.Ordinal));
            var shell = findings.Single(f => f.Setting == "script-shell");
            Assert.Equal("/tmp/evil.sh", shell.Actual);
            Assert.Equal(m.ProjectNpmrc + ":1", shell.Src());
            Assert.Equal("npm_config_node_gyp", findings.Single(f => f.Setting == "node-gyp").Src());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9002_passwords_in_proxy_and_registry_urls_are_redacted_and_fail(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9002").Status);
            m.User("https-proxy=http://alice:Sup3rSecretPw@proxy.corp.example:8080/", "registry=https://bob:An0therSecret@npm.corp.example/");
            m.Env("HTTPS_PROXY", "http://carol:Thirds3cret@proxy2.example:3128");
            var findings = m.Audit("NPMH9002");
            Assert.Equal(3, findings.Count);
            Assert.All(findings, f =>
            {
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Equal(NpmSeverity.Medium, f.Severity);
                foreach (var secret in new[] { "Sup3rSecretPw", "An0therSecret", "Thirds3cret" })
                {
                    Assert.DoesNotContain(secret, f.Actual ?? "");
                    Assert.DoesNotContain(secret, f.Message ?? "");
                    Assert.DoesNotContain(secret, f.Fix() ?? "");
                }
            });
            var proxy = findings.Single(f => f.Setting == "https-proxy");
            // judged at its line by the credential analyzer: redacted, with the fingerprint Test-NpmrcToken shows for it
            Assert.StartsWith("http://alice:***@proxy.corp.example:8080/ [fingerprint ", proxy.Actual);
            Assert.Contains("'https-proxy' = 'http://proxy.corp.example:8080/'", proxy.Fix());
            Assert.Contains(findings, f => f.Setting == "HTTPS_PROXY");
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9003_https_through_a_plain_http_proxy_is_medium(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9003").Status);
            m.User("proxy=http://proxy.corp.example:8080");
            var f = m.One("NPMH9003");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.Medium, f.Severity);
            Assert.Equal("proxy", f.Setting);
            Assert.Contains("'https-proxy' = 'https://proxy.corp.example:8080/'", f.Fix());
            m.User("proxy=http://proxy.corp.example:8080", "https-proxy=https://proxy.corp.example:8443");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9003").Status);
            m.User("https-proxy=http://127.0.0.1:3128");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9003").Status);
            var env = new PostureMachine(windows, npm).Env("HTTPS_PROXY", "http://proxy.corp.example:3128").One("NPMH9003");
            Assert.Equal(NpmFindingStatus.Fail, env.Status);
            Assert.Equal("HTTPS_PROXY", env.Src());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9004_custom_CAs_are_reported_by_name(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9004").Status);
            var pem = TestCertificate.Pem("CN=Corp Inspection Root, O=Corp");
            m.User("ca=\"" + pem.Replace("\n", "\\n") + "\"", "cafile=" + (windows ? @"C:\certs\corp.pem" : "/etc/ssl/corp.pem"));
            var findings = m.Audit("NPMH9004");
            Assert.Equal(2, findings.Count);
            Assert.All(findings, f => { Assert.Equal(NpmFindingStatus.Warning, f.Status); Assert.Equal(NpmSeverity.Info, f.Severity); });
            Assert.Equal("CN=Corp Inspection Root, O=Corp", findings.Single(f => f.Setting == "ca").Actual);
            Assert.EndsWith("corp.pem", findings.Single(f => f.Setting == "cafile").Actual);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9005_misencoded_files_warn_and_unreadable_ones_are_errors(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9005").Status);
            var utf16 = new byte[] { 0xFF, 0xFE }.Concat(System.Text.Encoding.Unicode.GetBytes("strict-ssl=false\r\n")).ToArray();
            m.P.AddFile(m.UserNpmrc, utf16);
            m.ProjectRc("audit=false");
            m.P.Deny(m.ProjectNpmrc);
            var findings = m.Audit("NPMH9005");
            var enc = findings.Single(f => f.Actual == "Utf16Encoded");
            Assert.Equal(NpmFindingStatus.Warning, enc.Status);
            Assert.Equal(m.UserNpmrc, enc.Setting);
            Assert.Equal("User", enc.Layer);
            var denied = findings.Single(f => f.Actual == "Unreadable");
            Assert.Equal(NpmFindingStatus.Error, denied.Status);
            Assert.Contains(m.ProjectNpmrc, denied.Message);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9005_a_user_config_that_is_a_directory_is_an_Error_and_the_rest_is_audited(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).ProjectRc("audit=false");
            m.P.AddDirectory(m.UserNpmrc);
            var findings = m.Audit();
            var dir = Assert.Single(findings, f => f.RuleId == "NPMH9005");
            Assert.Equal(NpmFindingStatus.Error, dir.Status);
            Assert.Equal("NotAFile", dir.Actual);
            Assert.Contains(m.UserNpmrc, dir.Message);
            Assert.Contains(findings, f => f.RuleId == "NPMH6001" && f.Status == NpmFindingStatus.Fail);
            Assert.False(PostureSummary.Summarize(findings, NpmBaseline.Recommended).Compliant);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9006_unknown_keys_warn(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9006").Status);
            m.User("minimum-release-age=7");
            var f = m.One("NPMH9006");
            Assert.Equal(NpmFindingStatus.Warning, f.Status);
            Assert.Equal("minimum-release-age", f.Setting);
            Assert.Equal(m.UserNpmrc + ":1", f.Src());
            Assert.Contains(Is12(npm) ? "strict-npmrc" : "npm 12", f.Message);
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9008_a_configuration_npm_cannot_start_with_fails_with_its_file_and_line(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("audit=true");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9008").Status);
            m.ProjectRc("registry=https://registry.npmjs.org/", "omit");
            var f = m.One("NPMH9008");
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Equal(NpmSeverity.High, f.Severity);
            Assert.Equal(m.ProjectNpmrc + ":2", f.Src());
            Assert.Equal("Project", f.Layer);
            Assert.Contains("omit", f.Message);
            Assert.False(PostureSummary.Summarize(m.Audit(), NpmBaseline.Recommended).Compliant);
            // the same value, a list, is fine
            m.ProjectRc("omit=dev");
            Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9008").Status);
            // a broken workspace: the root's package.json names the file
            var root = m.P.Path.Dirname(m.Project);
            m.P.AddFile(m.P.Path.Join(root, "package.json"), "{\"workspaces\":\"*\"}");
            m.P.AddFile(m.P.Path.Join(m.Project, "package.json"), "{}");
            var ws = m.One("NPMH9008");
            Assert.Equal(NpmFindingStatus.Fail, ws.Status);
            Assert.Contains("not an array", ws.Message);
            Assert.Equal(m.P.Path.Join(root, "package.json"), ws.Src());
        }

        [Theory, MemberData(nameof(Platforms))]
        public void NPMH9007_strict_npmrc_needs_npm_12(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            Assert.Equal(NpmFindingStatus.NotApplicable, m.One("NPMH9007").Status); // Recommended does not enforce it
            var f = m.One("NPMH9007", NpmBaseline.Strict);
            if (Is12(npm))
            {
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                m.User("strict-npmrc=true");
                Assert.Equal(NpmFindingStatus.Pass, m.One("NPMH9007", NpmBaseline.Strict).Status);
            }
            else
            {
                Assert.Equal(NpmFindingStatus.NotApplicable, f.Status);
                Assert.Contains("upgrade npm to ≥ 12.0.0", f.Message);
            }
        }

        // ---- helpers ---------------------------------------------------------------------------------------

        /// <summary>Delegates to a fake platform, failing on file access.</summary>
        private class DelegatingPlatform : IPlatform
        {
            protected readonly IPlatform Inner;
            public DelegatingPlatform(IPlatform inner) { Inner = inner; }
            public bool IsWindows => Inner.IsWindows;
            public string MachineName => Inner.MachineName;
            public NodePath Path => Inner.Path;
            public IReadOnlyDictionary<string, string> Environment => Inner.Environment;
            public string? OsHomeDirectory => Inner.OsHomeDirectory;
            public string CurrentDirectory => Inner.CurrentDirectory;
            public bool FileExists(string path) => Inner.FileExists(path);
            public bool DirectoryExists(string path) => Inner.DirectoryExists(path);
            public FileReadResult ReadFile(string path, long maxBytes) => Inner.ReadFile(path, maxBytes);
            public IReadOnlyList<DirectoryEntry>? ListDirectory(string path) => Inner.ListDirectory(path);
            public FileEntryKind GetEntryKind(string path) => Inner.GetEntryKind(path);
            public System.IO.Stream? OpenRead(string path) => Inner.OpenRead(path);
            public (DateTime LastWriteUtc, long Length)? GetFileStamp(string path) => Inner.GetFileStamp(path);
            public string RealPath(string path) => Inner.RealPath(path);
            public virtual FileAccessInfo? GetFileAccess(string path) => Inner.GetFileAccess(path);
            public IEnumerable<UserProfileInfo> EnumerateUserProfiles() => Inner.EnumerateUserProfiles();
            public virtual IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user) => Inner.GetPersistentVariables(scope, user);
            public string? FindExecutable(string name, IReadOnlyDictionary<string, string> environment) => Inner.FindExecutable(name, environment);
            public IReadOnlyList<FilePrincipal> Principals => Inner.Principals;
            public IPlatform As(IReadOnlyList<FilePrincipal> principals) => this;
            public IReadOnlyList<FilePrincipal> OwnerOf(string folder) => Inner.OwnerOf(folder);
        }

        private sealed class ThrowingAccessPlatform : DelegatingPlatform
        {
            public ThrowingAccessPlatform(IPlatform inner) : base(inner) { }
            public override FileAccessInfo? GetFileAccess(string path) => throw new UnauthorizedAccessException("Access to the path is denied.");
        }

        private sealed class DeniedRegistryPlatform : DelegatingPlatform
        {
            public DeniedRegistryPlatform(IPlatform inner) : base(inner) { }
            public override IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user) =>
                scope == EnvironmentScope.User ? throw new System.Security.SecurityException("Requested registry access is not allowed.") : Inner.GetPersistentVariables(scope, user);
        }

        private sealed class UnknownAccessPlatform : DelegatingPlatform
        {
            public UnknownAccessPlatform(IPlatform inner) : base(inner) { }
            public override FileAccessInfo? GetFileAccess(string path) => null;
        }
    }
}
