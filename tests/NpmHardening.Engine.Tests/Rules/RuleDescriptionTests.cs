using System;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>Get-NpmRule's objects and the about_NpmHardening_Rules topic, both from the catalog.</summary>
    public class RuleDescriptionTests
    {
        private static RuleCatalog Catalog => RuleCatalog.Default;

        [Fact]
        public void Every_rule_is_described_with_the_catalogs_values()
        {
            var described = Catalog.Describe(windows: false).ToList();
            Assert.Equal(Catalog.Rules.Select(r => r.Id), described.Select(r => r.RuleId));
            foreach (var (rule, d) in Catalog.Rules.Zip(described, (a, b) => (a, b)))
            {
                Assert.Equal(rule.Title, d.Title);
                Assert.Equal(rule.Area, d.Area);
                Assert.Equal(rule.Severity, d.Severity);
                Assert.Equal(rule.Baselines, d.Baselines);
                Assert.Equal(rule.Rationale, d.Rationale);
                Assert.Equal(rule.Reference, d.Reference);
                Assert.Equal(rule.Online, d.Online);
                Assert.DoesNotMatch(@"\{[a-z]+\}", d.Remediation);
            }
        }

        [Fact]
        public void The_npm_floor_comes_from_the_feature_or_the_setting()
        {
            var withFeature = Catalog.Rules.First(r => r.Feature != null);
            Assert.Equal(withFeature.Feature!.Minimum.ToString(), Catalog.Describe(false, new[] { withFeature.Id }).Single().MinimumNpmVersion);
            // min-release-age is newer than the oldest npm the config catalog samples: its floor is npm's own definitions'
            var cooldown = Catalog.Rules.First(r => r.Setting == "min-release-age");
            var since = NpmConfigCatalog.Default.IntroducedIn("min-release-age")!.Value;
            Assert.Equal(since.ToString(), Catalog.Describe(false, new[] { cooldown.Id }).Single().MinimumNpmVersion);
            // strict-ssl has always existed
            var ssl = Catalog.Rules.First(r => r.Setting == "strict-ssl");
            Assert.Null(Catalog.Describe(false, new[] { ssl.Id }).Single().MinimumNpmVersion);
        }

        [Fact]
        public void Filters_combine_and_wildcards_match_case_insensitively()
        {
            var credentials = Catalog.Describe(false, new[] { "npmh7*" }).ToList();
            Assert.NotEmpty(credentials);
            Assert.All(credentials, r => Assert.StartsWith("NPMH7", r.RuleId));
            Assert.Equal(Catalog.Rules.Count(r => r.Id.StartsWith("NPMH7", StringComparison.Ordinal)), credentials.Count);

            var strictHigh = Catalog.Describe(false, null, null, new[] { NpmBaseline.Strict }, new[] { NpmSeverity.High }).ToList();
            Assert.Equal(Catalog.Rules.Count(r => r.AppliesTo(NpmBaseline.Strict) && r.Severity == NpmSeverity.High), strictHigh.Count);
            Assert.All(strictHigh, r => { Assert.Contains(NpmBaseline.Strict, r.Baselines); Assert.Equal(NpmSeverity.High, r.Severity); });

            var area = Catalog.Rules[0].Area;
            Assert.All(Catalog.Describe(false, null, new[] { area.ToUpperInvariant() }), r => Assert.Equal(area, r.Area));
            Assert.Empty(Catalog.Describe(false, new[] { "NPMH0*" }));
            Assert.Equal(new[] { "NPMH0*" }, Catalog.UnmatchedRuleIds(new[] { "NPMH0*", "NPMH1*" }));
        }

        [Fact]
        public void Windows_remediation_is_the_windows_template()
        {
            var differing = Catalog.Rules.FirstOrDefault(r => r.Remediation != r.RemediationWindows);
            if (differing == null) return;
            Assert.NotEqual(Catalog.Describe(false, new[] { differing.Id }).Single().Remediation, Catalog.Describe(true, new[] { differing.Id }).Single().Remediation);
        }

        [Fact]
        public void Docs_about_topic_is_generated_from_the_catalog() =>
            Support.GeneratedDoc.AssertCurrent(Path.Combine("docs", "about_NpmHardening_Rules.md"), Catalog.ToAboutTopic(), "the rule catalog");

        [Fact]
        public void About_topic_lists_every_rule_with_its_severity()
        {
            var text = Catalog.ToAboutTopic();
            Assert.All(Catalog.Rules, r => Assert.Contains($"### {r.Id} {r.Title}\n\n- Area: {r.Area}\n- Severity: {r.Severity}\n", text));
            Assert.Contains("## SHORT DESCRIPTION", text);
            Assert.DoesNotContain("{target}", text);
        }
    }
}
