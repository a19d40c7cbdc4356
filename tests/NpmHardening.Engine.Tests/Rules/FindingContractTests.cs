using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>The finding contract as the posture audit and the token scanner fill it, and the summary that counts facts.</summary>
    public class FindingContractTests
    {
        private const string Token = "npm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; // shape of a granular token; checksum decides real or placeholder

        /// <summary>A granular token whose checksum is valid, so no placeholder judgement lowers it.</summary>
        private static string RealToken()
        {
            var random = "abcdefghijklmnopqrstuvwxyz0123";
            return "npm_" + random + NpmCredential.Checksum(random);
        }

        [Fact]
        public void A_fix_on_the_registry_website_reaches_the_finding_as_web_steps_from_the_catalog()
        {
            var account = new NpmAccount { Registry = "https://registry.npmjs.org/", User = "alice", TwoFactorMode = "auth-only", TwoFactorEnabled = true, ProfileAvailable = true };
            var finding = Assert.Single(OnlineAudit.ForAccount(account));
            Assert.Equal("NPMH7101", finding.RuleId);
            Assert.Equal(NpmFindingStatus.Fail, finding.Status);
            Engine.Findings.FindingFactory.CompleteRemediation(finding);
            Assert.Equal(RuleCatalog.Default["NPMH7101"].WebSteps, finding.Remediation!.WebSteps);
            Assert.Contains(finding.Remediation.WebSteps, step => step.Contains("auth-and-writes"));
            Assert.Equal(finding.Remediation.WebSteps, Engine.Findings.FindingFactory.CompleteRemediation(finding).Remediation!.WebSteps);

            // a passing finding gets no remediation; a rule whose fix is a setting gets no web steps
            var pass = new NpmFinding { RuleId = "NPMH7101", Status = NpmFindingStatus.Pass };
            Assert.Null(Engine.Findings.FindingFactory.CompleteRemediation(pass).Remediation);
            Assert.Empty(RuleCatalog.Default["NPMH2001"].WebSteps);
            Assert.All(new[] { "NPMH7001", "NPMH7002", "NPMH7101", "NPMH7102", "NPMH7103" }, id => Assert.NotEmpty(RuleCatalog.Default[id].WebSteps));
        }

        [Theory, MemberData(nameof(PostureMachine.Platforms), MemberType = typeof(PostureMachine))]
        public void Posture_findings_carry_area_reference_machine_and_a_structured_location(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-ssl=false");
            m.P.MachineName = "BUILD-07";
            var f = m.One("NPMH2001");
            var rule = RuleCatalog.Default["NPMH2001"];
            Assert.Equal((rule.Title, rule.Area, rule.Reference, "BUILD-07"), (f.Title, f.Area, f.Reference, f.ComputerName));
            Assert.Equal((m.UserNpmrc, (int?)1), (f.Location!.Path, f.Location.Line));
            Assert.Equal("strict-ssl", f.Remediation!.Setting);
            Assert.Equal("true", f.Remediation.Value);
            Assert.Equal("user", f.Remediation.Scope);
            Assert.Equal("npm config set 'strict-ssl=true' --location=user", f.Remediation.NpmCommand);
            Assert.StartsWith("NPMH2001|" + m.UserNpmrc + ":1|strict-ssl", f.FactId);
        }

        [Theory, MemberData(nameof(PostureMachine.Platforms), MemberType = typeof(PostureMachine))]
        public void One_user_config_line_is_one_fact_in_every_context_that_inherits_it(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm).User("strict-ssl=false");
            var scanner = new PostureScanner(m.P, PostureMachine.Now) { Installation = m.Npm, RuleIds = new[] { "NPMH2001", "NPMH6001" } };
            var projects = Enumerable.Range(0, 5).Select(i => m.P.Path.Join(m.Home, "p" + i)).ToList();
            foreach (var p in projects) m.P.AddFile(m.P.Path.Join(p, "package.json"), "{}");
            var findings = projects.SelectMany(p => scanner.Audit(PostureContext.CurrentUser(m.P, null, p)).Findings).ToList();

            var ssl = findings.Where(f => f.RuleId == "NPMH2001").ToList();
            Assert.Equal(5, ssl.Count);                                  // each context still lists it
            Assert.Single(ssl.Select(f => f.FactId).Distinct());         // one fact
            Assert.Equal(5, ssl.Select(f => f.Context).Distinct().Count());
            Assert.Equal(5, findings.Where(f => f.RuleId == "NPMH6001").Select(f => f.FactId).Distinct().Count()); // npm's default: one fact per context

            var s = PostureSummary.Summarize(findings, NpmBaseline.Recommended);
            Assert.Equal(1, s.Fail);
            Assert.Equal(1, s.High);
            Assert.Equal(6, s.Total);
            Assert.Contains("NPMH2001 strict-ssl", s.Message);
            Assert.DoesNotContain("×", s.Message);
            Assert.False(s.Compliant);
        }

        [Fact]
        public void The_message_counts_each_named_fact_and_never_borrows_another_facts_name()
        {
            NpmSecurityFinding F(string key, string fact) => new NpmSecurityFinding
            {
                RuleId = "NPMH7001", Severity = NpmSeverity.High, Status = NpmFindingStatus.Fail, Setting = key, FactId = fact, Context = "/home/u",
            };
            var s = PostureSummary.Summarize(new[]
            {
                F("//registry.npmjs.org/:_authToken", "a"), F("//registry.npmjs.org/:_authToken", "a"),
                F("//npm.corp.example/:_authToken", "b"), F("//registry.npmjs.org/:_authToken", "c"),
            }, NpmBaseline.Recommended);
            Assert.Contains("NPMH7001 //npm.corp.example/:_authToken;", s.Message + ";");
            Assert.Contains("NPMH7001 //registry.npmjs.org/:_authToken ×2", s.Message);
            Assert.Equal(3, s.Fail);
        }

        [Fact]
        public void Contexts_and_failed_rules_write_themselves_as_text()
        {
            var s = PostureSummary.Summarize(new[]
            {
                new NpmSecurityFinding { RuleId = "NPMH2001", Severity = NpmSeverity.High, Status = NpmFindingStatus.Fail, Context = "/a", FactId = "x" },
                new NpmSecurityFinding { RuleId = "NPMH6001", Severity = NpmSeverity.Medium, Status = NpmFindingStatus.Fail, Context = "/b", FactId = "y" },
            }, NpmBaseline.Recommended);
            Assert.Equal("/a; /b", s.Contexts.ToString());
            Assert.Equal("NPMH2001; NPMH6001", s.FailedRules.ToString());
            Assert.Equal(2, s.Contexts.Count);
        }

        [Theory, MemberData(nameof(PostureMachine.Platforms), MemberType = typeof(PostureMachine))]
        public void A_plaintext_token_gets_one_rule_and_one_severity_from_posture_and_from_the_scanner(bool windows, string npm)
        {
            var token = RealToken();
            var m = new PostureMachine(windows, npm).User(
                "//registry.npmjs.org/:_authToken=" + token,
                "_auth=" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bob:pw")),
                "username=bob",
                "//npm.corp.example/:_authToken=" + Token);
            m.P.MachineName = "HOST-1";
            m.Access(m.UserNpmrc, readers: new[] { "others" });
            var posture = m.Audit().Where(f => f.Location?.Path != null && f.Status != NpmFindingStatus.Pass && f.RuleId.StartsWith("NPMH700")).ToList();
            var scanner = new NpmTokenScanner(m.P);
            var tokens = scanner.ScanFile(m.UserNpmrc).ToList();
            Assert.NotEmpty(posture);
            // a line may break two rules (an unscoped _auth: NPMH7002 and NPMH7003); what both audits say about it must agree
            foreach (var t in tokens.Where(t => t.Status != NpmFindingStatus.Pass))
            {
                var p = Assert.Single(posture, p => p.Location!.Line == t.Line && p.RuleId == t.RuleId);
                Assert.Equal(p.Severity, t.Severity);
                Assert.Equal(p.SeverityReason, t.SeverityReason);
                Assert.Equal(RuleCatalog.Default[t.RuleId].Title, t.Title);
                Assert.Equal("HOST-1", t.ComputerName);
                Assert.Equal("HOST-1", p.ComputerName);
            }
            var real = tokens.Single(t => t.Key == "//registry.npmjs.org/:_authToken");
            Assert.Equal(NpmSeverity.Critical, real.Severity);
            Assert.Contains("readable by others", real.SeverityReason);
            var placeholder = tokens.Single(t => t.Key == "//npm.corp.example/:_authToken");
            Assert.Equal(NpmSeverity.Low, placeholder.Severity);
            Assert.Contains("checksum", placeholder.SeverityReason);
            var user = tokens.Single(t => t.Key == "username");
            Assert.Equal(("NPMH7003", RuleCatalog.Default["NPMH7003"].Severity, (string?)null), (user.RuleId, user.Severity, user.SeverityReason));
        }

        [Theory, MemberData(nameof(PostureMachine.Platforms), MemberType = typeof(PostureMachine))]
        public void Every_credential_line_is_the_same_fact_to_posture_and_to_the_scanner(bool windows, string npm)
        {
            var token = RealToken();
            var m = new PostureMachine(windows, npm).User(
                "//a.example/:_authToken=" + token,                 // 1 shadowed by line 2
                "//a.example/:_authToken=" + token,                 // 2
                "# old: " + token,                                  // 3 commented out
                "_auth=" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bob:pw")), // 4 unscoped
                "//b.example/:_authToken=${UNSET_VAR}",             // 5 reference to nothing
                "//d.example/:_authToken=${SET_VAR}",               // 6 reference to a set variable
                "//e.example/:_password=" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("pw")), // 7
                "[corp]",                                           // 8
                "//c.example/:_authToken=" + token);                // 9 inside a section
            m.Env("SET_VAR", "corp-read-key-value");
            var rules = new[] { "NPMH7001", "NPMH7002", "NPMH7003" };
            string Fact(NpmFinding f) => $"{f.Location!.Line}|{f.RuleId}|{f.Severity}|{f.Status}|{f.FactId}";
            var posture = m.Audit().Where(f => f.Location?.Line != null && rules.Contains(f.RuleId)).Select(Fact).OrderBy(x => x, StringComparer.Ordinal).ToList();
            var tokens = new NpmTokenScanner(m.P) { IsCI = false }.ScanFile(m.UserNpmrc)
                .Where(f => rules.Contains(f.RuleId)).Select(Fact).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(tokens, posture);
            string At(int line, string rule) => tokens.Single(t => t.StartsWith($"{line}|{rule}|", StringComparison.Ordinal)).Split('|')[3];
            Assert.Equal("Fail", At(1, "NPMH7001"));
            Assert.Equal("Fail", At(3, "NPMH7001"));
            Assert.Equal("Fail", At(4, "NPMH7002"));
            Assert.Equal("Fail", At(4, "NPMH7003"));
            Assert.Equal("Warning", At(5, "NPMH7001"));
            Assert.Equal("Pass", At(6, "NPMH7001"));
            Assert.Equal("Fail", At(7, "NPMH7002"));
            Assert.Equal("Fail", At(9, "NPMH7001"));
            Assert.Equal(9, tokens.Count);
        }

        [Fact]
        public void Every_token_finding_takes_title_and_default_severity_from_the_catalog()
        {
            var m = new PostureMachine(false).User(
                "proxy=http://u:secretpw@proxy.example:8080/", "username=bob", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}", "# npm_" + new string('b', 36));
            foreach (var t in new NpmTokenScanner(m.P).ScanFile(m.UserNpmrc))
            {
                var rule = RuleCatalog.Default[t.RuleId];
                Assert.Equal(rule.Title, t.Title);
                Assert.Equal(rule.Area, t.Area);
                Assert.True(t.Severity == rule.Severity || t.SeverityReason != null, $"{t.RuleId} {t.Severity} without a reason");
                Assert.False(string.IsNullOrEmpty(t.FactId));
            }
        }

        [Fact]
        public void An_analyzer_produces_only_the_catalog_rules_it_declares()
        {
            var m = new PostureMachine(false).User("//registry.npmjs.org/:_authToken=" + RealToken(), "username=bob", "proxy=http://u:pw@proxy.example:8080/");
            var analyzer = new NpmHardening.Engine.Analyzers.NpmrcCredentialAnalyzer(m.P);
            Assert.All(analyzer.RuleIds, id => Assert.NotNull(RuleCatalog.Default.Find(id)));
            var provenance = new NpmHardening.Engine.Registry.SecretProvenance(m.P, null, null, null);
            var found = analyzer.Analyze(new NpmHardening.Engine.Analyzers.NpmrcCredentialInput(m.UserNpmrc, provenance)).ToList();
            Assert.Equal(3, found.Count);
            Assert.All(found, f => Assert.Contains(f.RuleId, analyzer.RuleIds));
            Assert.All(new NpmHardening.Engine.Analyzers.ResolvedConfigAnalyzer().RuleIds, id => Assert.False(RuleCatalog.Default[id].Online));
        }
    }
}
