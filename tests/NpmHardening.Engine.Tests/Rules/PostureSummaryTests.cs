using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    public class PostureSummaryTests
    {
        private static NpmSecurityFinding F(string id, NpmSeverity severity, NpmFindingStatus status, string context = "/home/u", string? setting = null) =>
            new NpmSecurityFinding { RuleId = id, Severity = severity, Status = status, Context = context, Setting = setting };

        [Fact]
        public void Score_weighs_findings_by_severity_and_status()
        {
            var findings = new[]
            {
                F("NPMH2001", NpmSeverity.High, NpmFindingStatus.Pass),           // 5 of 5
                F("NPMH6001", NpmSeverity.Medium, NpmFindingStatus.Fail),         // 0 of 3
                F("NPMH8003", NpmSeverity.Low, NpmFindingStatus.Warning),         // 0.5 of 1
                F("NPMH6003", NpmSeverity.High, NpmFindingStatus.NotApplicable),  // not counted
                F("NPMH9004", NpmSeverity.Info, NpmFindingStatus.Warning),        // weight 0
            };
            var s = PostureSummary.Summarize(findings, NpmBaseline.Recommended);
            Assert.Equal(61, s.Score); // floor(100 × 5.5 / 9)
            Assert.False(s.Compliant);
            Assert.Equal(1, s.Fail);
            Assert.Equal(2, s.Warning);
            Assert.Equal(1, s.Pass);
            Assert.Equal(1, s.NotApplicable);
            Assert.Equal(1, s.Medium);
            Assert.Equal(new[] { "NPMH6001" }, s.FailedRules);
            Assert.Equal(new[] { "/home/u" }, s.Contexts);
            Assert.StartsWith("NON-COMPLIANT (Recommended, score 61/100): 1 failed [Medium 1]", s.Message);
            Assert.Contains("NPMH6001", s.Message);
        }

        [Fact]
        public void Compliance_breaks_on_Fail_or_Error_at_Medium_and_above_only()
        {
            Assert.True(PostureSummary.Summarize(new[] { F("NPMH5005", NpmSeverity.Low, NpmFindingStatus.Fail), F("NPMH9001", NpmSeverity.Medium, NpmFindingStatus.Warning) }, NpmBaseline.CI).Compliant);
            Assert.False(PostureSummary.Summarize(new[] { F("NPMH9005", NpmSeverity.Medium, NpmFindingStatus.Error) }, NpmBaseline.CI).Compliant);
            Assert.False(PostureSummary.Summarize(new[] { F("NPMH7001", NpmSeverity.High, NpmFindingStatus.Fail) }, NpmBaseline.CI).Compliant);
            var clean = PostureSummary.Summarize(Array.Empty<NpmSecurityFinding>(), NpmBaseline.Strict, new[] { "/home/u" });
            Assert.True(clean.Compliant);
            Assert.Equal(100, clean.Score);
            Assert.StartsWith("COMPLIANT (Strict, score 100/100)", clean.Message);
            Assert.Empty(clean.Reasons);
        }

        [Fact]
        public void Nothing_evaluated_and_targets_left_out_are_not_compliant()
        {
            // no context at all (every -UserProfile missing, no profile on the machine): never "compliant"
            var nothing = PostureSummary.Summarize(Array.Empty<NpmSecurityFinding>(), NpmBaseline.Strict);
            Assert.False(nothing.Compliant);
            Assert.StartsWith("NON-COMPLIANT (Strict", nothing.Message);
            Assert.Equal("NothingEvaluated", Assert.Single(nothing.Reasons).Code);

            // one context clean, one given target not audited
            var partial = PostureSummary.Summarize(new[] { F("NPMH2001", NpmSeverity.High, NpmFindingStatus.Pass) }, NpmBaseline.Recommended, new[] { "/home/u" },
                new[] { new KeyValuePair<string, string>("/home/gone", "The profile folder '/home/gone' does not exist.") });
            Assert.False(partial.Compliant);
            Assert.Contains("not evaluated: /home/gone", partial.Message);
            var reason = Assert.Single(partial.Reasons);
            Assert.Equal(("NotEvaluated", "/home/gone"), (reason.Code, reason.Context));
        }

        [Fact]
        public void Reasons_name_the_rule_the_layer_and_the_variable_that_overrides()
        {
            var env = new NpmSecurityFinding
            {
                RuleId = "NPMH2001", Severity = NpmSeverity.High, Status = NpmFindingStatus.Fail, Context = "/home/u", Setting = "strict-ssl",
                Layer = "Env", Location = new NpmFindingLocation { Name = "env:npm_config_strict_ssl" }, Message = "strict-ssl is false (environment variable npm_config_strict_ssl).",
            };
            var s = PostureSummary.Summarize(new[] { env, F("NPMH5005", NpmSeverity.Low, NpmFindingStatus.Fail) }, NpmBaseline.Recommended);
            var reason = Assert.Single(s.Reasons); // Low does not break compliance, so it is no reason
            Assert.Equal(("NPMH2001", "strict-ssl", "Env", "npm_config_strict_ssl", "/home/u"), (reason.Code, reason.Setting, reason.Layer, reason.Source, reason.Context));
        }

        [Fact]
        public void A_hardened_npm_12_machine_is_compliant_and_a_default_npm_11_one_is_not()
        {
            var hardened = new PostureMachine(false, PostureMachine.Npm12)
                .User("min-release-age=3", "ignore-scripts=true");
            var good = PostureSummary.Summarize(hardened.Audit(), NpmBaseline.Recommended);
            Assert.True(good.Compliant, good.Message);

            var plain = new PostureMachine(true, PostureMachine.Npm11);
            var bad = PostureSummary.Summarize(plain.Audit(), NpmBaseline.Recommended);
            Assert.False(bad.Compliant);
            Assert.Contains("NPMH3001", bad.FailedRules);
            Assert.Contains("NPMH5001", bad.FailedRules);
            Assert.True(bad.Score < good.Score);
        }

        [Fact]
        public void The_message_stays_one_line_under_2048_characters_however_much_fails()
        {
            var findings = Enumerable.Range(0, 5000).Select(i =>
                F($"NPMH{1000 + i}", NpmSeverity.High, NpmFindingStatus.Fail, "/home/user" + i, setting: "//registry-" + i + ".example.com/:_authToken\r\nx")).ToList();
            var s = PostureSummary.Summarize(findings, NpmBaseline.Strict);
            Assert.True(s.Message.Length < 2048, s.Message.Length.ToString());
            Assert.DoesNotContain('\n', s.Message);
            Assert.DoesNotContain('\r', s.Message);
            Assert.Contains("more", s.Message);
            Assert.Equal(5000, s.Contexts.Count);
        }

        [Fact]
        public void Summary_invariants_hold_for_any_findings()
        {
            var finding = Gen.Select(Gen.Int[1000, 9999], Gen.Enum<NpmSeverity>(), Gen.Enum<NpmFindingStatus>(), Gen.Int[0, 3], Gen.String,
                (id, sev, st, ctx, setting) => F("NPMH" + id, sev, st, "ctx" + ctx, setting));
            finding.List[0, 300].Sample(list =>
            {
                var s = PostureSummary.Summarize(list, NpmBaseline.Recommended);
                int facts = list.Count(f => f.FactId == "") + list.Where(f => f.FactId != "").Select(f => f.FactId).Distinct().Count();
                return s.Message.Length <= PostureSummary.MaxMessageLength
                    && s.Message.IndexOf('\n') < 0 && s.Message.IndexOf('\r') < 0
                    && s.Score >= 0 && s.Score <= 100
                    && s.Compliant == (list.Count > 0 && !list.Any(NpmComplianceResult.BreaksCompliance))
                    && s.Compliant == (s.Reasons.Length == 0)
                    && s.Total == facts
                    && s.Pass + s.Fail + s.Warning + s.NotApplicable + s.Error + s.Suppressed == facts
                    && (list.All(f => f.Status == NpmFindingStatus.Pass || f.Status == NpmFindingStatus.NotApplicable) ? s.Score == 100 : true);
            }, iter: 2000);
        }
    }
}
