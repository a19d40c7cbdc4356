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
            var empty = PostureSummary.Summarize(Array.Empty<NpmSecurityFinding>(), NpmBaseline.Strict);
            Assert.True(empty.Compliant);
            Assert.Equal(100, empty.Score);
            Assert.StartsWith("COMPLIANT (Strict, score 100/100)", empty.Message);
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
            Assert.Equal(5000, s.Contexts.Length);
        }

        [Fact]
        public void Summary_invariants_hold_for_any_findings()
        {
            var finding = Gen.Select(Gen.Int[1000, 9999], Gen.Enum<NpmSeverity>(), Gen.Enum<NpmFindingStatus>(), Gen.Int[0, 3], Gen.String,
                (id, sev, st, ctx, setting) => F("NPMH" + id, sev, st, "ctx" + ctx, setting));
            finding.List[0, 300].Sample(list =>
            {
                var s = PostureSummary.Summarize(list, NpmBaseline.Recommended);
                return s.Message.Length <= PostureSummary.MaxMessageLength
                    && s.Message.IndexOf('\n') < 0 && s.Message.IndexOf('\r') < 0
                    && s.Score >= 0 && s.Score <= 100
                    && s.Compliant == !list.Any(PostureSummary.BreaksCompliance)
                    && s.Total == list.Count
                    && s.Pass + s.Fail + s.Warning + s.NotApplicable + s.Error == list.Count
                    && (list.All(f => f.Status == NpmFindingStatus.Pass || f.Status == NpmFindingStatus.NotApplicable) ? s.Score == 100 : true);
            }, iter: 2000);
        }
    }
}
