using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    public class RuleCatalogTests
    {
        private static RuleCatalog Catalog => RuleCatalog.Default;

        [Fact]
        public void Rule_ids_are_unique_well_formed_and_grouped_by_area()
        {
            var ids = Catalog.Rules.Select(r => r.Id).ToList();
            Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.All(Catalog.Rules, r =>
            {
                Assert.Matches("^NPMH[1-9][0-9]{3,4}$", r.Id);
                Assert.Equal(Catalog.Areas.Single(a => a.Digit == int.Parse(r.Id.Substring(4, r.Id.Length - 7))).Name, r.Area);
            });
            // by area, then number: area 10 after area 9, never between NPMH1001 and NPMH1002
            Assert.Equal(ids.OrderBy(i => int.Parse(i.Substring(4, i.Length - 7))).ThenBy(i => int.Parse(i.Substring(i.Length - 3))), ids);
            Assert.Equal(10, RuleCatalog.AreaOf("NPMH10001"));
            Assert.Equal(1, RuleCatalog.AreaOf("NPMH1001"));
            Assert.Equal("Publish pipelines", Catalog["NPMH10001"].Area);
            Assert.True(ids.IndexOf("NPMH9008") < ids.IndexOf("NPMH10001"));
        }

        [Fact]
        public void Per_baseline_answers_agree_with_the_public_collections()
        {
            // AppliesTo, ExpectationFor and BaselineNames read the arrays the parser built; Baselines and Expectations are
            // made from them on first use (issue 10 F): the two views must say the same thing
            var all = (NpmBaseline[])Enum.GetValues(typeof(NpmBaseline));
            Assert.Contains(Catalog.Rules, r => r.Baselines.Count < all.Length);
            Assert.Contains(Catalog.Rules, r => r.Expectations.Count > 0);
            Assert.Contains(Catalog.Rules, r => r.Expectations.Count == 0);
            Assert.All(Catalog.Rules, r =>
            {
                foreach (var b in all.Concat(new[] { (NpmBaseline)7, (NpmBaseline)(-1) }))
                {
                    Assert.Equal(r.Baselines.Contains(b), r.AppliesTo(b));
                    Assert.Same(r.Expectations.TryGetValue(b, out var e) ? e : null, r.ExpectationFor(b));
                }
                Assert.Equal(r.Baselines.Count, r.Baselines.Distinct().Count());
                Assert.Equal(r.Expectations.Count > 0 ? r.Baselines.Count : 0, r.Expectations.Count);
                Assert.Equal(string.Join(", ", r.Baselines), r.BaselineNames);
            });
        }

        [Theory]
        [InlineData("[\"Strict\", \"Recommended\", \"Strict\"]", "Strict, Recommended")]
        [InlineData("[\"CI\"]", "CI")]
        public void Rule_baselines_keep_their_order_without_repeats(string baselines, string expected)
        {
            var json = ReadData();
            var at = json.IndexOf("\"baselines\": [", json.IndexOf("\"id\": \"NPMH1002\"", StringComparison.Ordinal), StringComparison.Ordinal);
            var end = json.IndexOf(']', at);
            var rule = RuleCatalog.Parse(json.Substring(0, at) + "\"baselines\": " + baselines + json.Substring(end + 1))["NPMH1002"];
            Assert.Equal(expected, string.Join(", ", rule.Baselines));
            Assert.Equal(expected, rule.BaselineNames);
        }

        [Theory]
        [InlineData("[\"Lax\"]")]
        [InlineData("[]")]
        [InlineData("[1.5]")]
        public void Rule_baselines_that_name_no_baseline_are_rejected(string baselines)
        {
            var json = ReadData();
            var at = json.IndexOf("\"baselines\": [", json.IndexOf("\"id\": \"NPMH1002\"", StringComparison.Ordinal), StringComparison.Ordinal);
            var end = json.IndexOf(']', at);
            Assert.Throws<InvalidDataException>(() => RuleCatalog.Parse(json.Substring(0, at) + "\"baselines\": " + baselines + json.Substring(end + 1)));
        }

        [Fact]
        public void Duplicate_ids_in_the_data_are_rejected()
        {
            var json = ReadData();
            var first = json.IndexOf("\"id\": \"NPMH1002\"", StringComparison.Ordinal);
            Assert.True(first > 0);
            var broken = json.Remove(first, "\"id\": \"NPMH1002\"".Length).Insert(first, "\"id\": \"NPMH1001\"");
            var ex = Assert.Throws<InvalidDataException>(() => RuleCatalog.Parse(broken));
            Assert.Contains("NPMH1001 is used twice", ex.Message);
        }

        [Fact]
        public void Every_rule_has_text_a_reference_a_baseline_and_an_evaluator()
        {
            foreach (var r in Catalog.Rules)
            {
                Assert.False(string.IsNullOrWhiteSpace(r.Title), r.Id);
                Assert.True(r.Rationale.Length > 60, $"{r.Id} rationale is too thin");
                Assert.False(string.IsNullOrWhiteSpace(r.Remediation), r.Id);
                Assert.StartsWith("https://", r.Reference);
                Assert.NotEmpty(r.Baselines);
                Assert.Contains(r.Id, r.Online ? NpmHardening.Engine.Registry.OnlineAudit.EvaluatedRuleIds
                    : r.Audit == RuleCatalog.PipelineAudit ? new NpmHardening.Engine.Analyzers.PublishPipelineAnalyzer().RuleIds
                    : r.Audit == RuleCatalog.StageAudit ? new NpmHardening.Engine.Analyzers.StagedPackageAnalyzer(null).RuleIds
                    : r.Audit == RuleCatalog.TrustAudit ? new NpmHardening.Engine.Analyzers.TrustedPublisherAnalyzer().RuleIds
                    : r.Audit == RuleCatalog.ReviewAudit ? NpmHardening.NpmPackageComparer.RuleIds
                    : r.Audit == RuleCatalog.ReleaseAudit ? new NpmHardening.Engine.Analyzers.PackageReleaseAnalyzer().RuleIds
                    : r.Audit == RuleCatalog.EventsAudit ? NpmHardening.Engine.Events.UnapprovedPublishCorrelator.RuleIds
                    : r.Audit == RuleCatalog.LockfileAudit ? new NpmHardening.Engine.Analyzers.LockfileAnalyzer().RuleIds
                    : r.Audit == RuleCatalog.LockfileCompareAudit ? NpmHardening.Engine.Lockfiles.LockfileComparer.RuleIds
                    : PostureAuditor.EvaluatedRuleIds);
                foreach (var b in r.Baselines)
                    if (r.Expectations.Count > 0) Assert.NotNull(r.ExpectationFor(b));
                if (r.Setting != null && !r.Setting.StartsWith("_", StringComparison.Ordinal))
                    Assert.NotNull(NpmConfigCatalog.Default.IntroducedIn(r.Setting)); // a real npm key
            }
            Assert.All(PostureAuditor.EvaluatedRuleIds, id => Assert.NotNull(Catalog.Find(id)));
        }

        [Fact]
        public void Baselines_are_data_with_the_issue_s_cooldown_days()
        {
            Assert.Equal(new[] { "Recommended", "Strict", "CI" }, Catalog.Baselines.Select(b => b.Name));
            var cooldown = Catalog["NPMH4001"];
            Assert.Equal(3.0, cooldown.ExpectationFor(NpmBaseline.Recommended)!.Value);
            Assert.Equal(7.0, cooldown.ExpectationFor(NpmBaseline.Strict)!.Value);
            Assert.Equal(3.0, cooldown.ExpectationFor(NpmBaseline.CI)!.Value);
            Assert.Equal(new[] { "none" }, Catalog["NPMH5001"].ExpectationFor(NpmBaseline.Strict)!.Allowed);
            Assert.Equal(new[] { NpmBaseline.Strict }, Catalog["NPMH6003"].Baselines);
            Assert.False(Catalog["NPMH6003"].AppliesTo(NpmBaseline.Recommended));
        }

        [Fact]
        public void Npm_floors_of_config_keys_come_from_the_real_npm_catalog()
        {
            // the issue's prose says 11.10.0 and 11.15.0 for allow-git and allow-remote: npm's own packages say otherwise
            Assert.Equal("11.9.0", Catalog.FindFeature("allow-git")!.Minimum.ToString());
            Assert.Equal("11.14.0", Catalog.FindFeature("allow-remote")!.Minimum.ToString());
            Assert.Equal("11.10.0", Catalog.FindFeature("min-release-age")!.Minimum.ToString());
            Assert.Equal("11.16.0", Catalog.FindFeature("allow-scripts")!.Minimum.ToString());
            Assert.Equal("11.15.0", Catalog.FindFeature("staged-publishing")!.Minimum.ToString());
            Assert.Equal("11.5.1", Catalog.FindFeature("trusted-publishing")!.Minimum.ToString());
            foreach (var f in Catalog.Features.Where(f => f.ConfigKeys.Count > 0))
                Assert.Equal(f.ConfigKeys.Select(k => NpmConfigCatalog.Default.IntroducedIn(k)!.Value).Max(), f.Minimum);
        }

        [Fact]
        public void Node_end_of_life_table_has_the_published_dates()
        {
            string Eol(int major) => Catalog.FindNodeRelease(major)!.EndOfLife.ToString("yyyy-MM-dd");
            Assert.Equal("2025-04-30", Eol(18));
            Assert.Equal("2026-04-30", Eol(20));
            Assert.Equal("2027-04-30", Eol(22));
            Assert.Equal("2028-04-30", Eol(24));
            Assert.Equal("2023-06-01", Eol(19));
            Assert.Equal("2024-06-01", Eol(21));
            Assert.Equal("2025-06-01", Eol(23));
            Assert.Equal("2026-06-01", Eol(25));
            Assert.All(Catalog.NodeReleases, n => Assert.Equal(n.Major % 2 == 0, n.IsLts)); // even lines become LTS, odd ones never
            Assert.Equal("2026-10-28", Catalog.FindNodeRelease(26)!.LtsStart!.Value.ToString("yyyy-MM-dd"));
            Assert.All(Catalog.NodeReleases, n => Assert.True(n.EndOfLife > n.Start));
        }

        [Fact]
        public void Loading_the_default_catalog_is_thread_safe_and_happens_once()
        {
            var seen = new RuleCatalog[16];
            Parallel.For(0, seen.Length, i => seen[i] = RuleCatalog.Default);
            Assert.All(seen, c => Assert.Same(RuleCatalog.Default, c));
        }

        [Fact]
        public void Docs_rules_md_is_generated_from_the_catalog() =>
            Support.GeneratedDoc.AssertCurrent(Path.Combine("docs", "rules.md"), Catalog.ToMarkdown(), "the rule catalog (src/NpmHardening.Engine/Data/npm-rules.json)");

        [Fact]
        public void Markdown_lists_every_rule_and_renders_remediation_commands()
        {
            var md = Catalog.ToMarkdown();
            Assert.All(Catalog.Rules, r => Assert.Contains($"### {r.Id}", md));
            // the catalog's remediation is neutral: the setting and npm's own command (findings' PowerShell is the cmdlets')
            Assert.Contains("npm config set strict-ssl=true", md);
            Assert.Contains("npm config set min-release-age=3", md);
            Assert.Contains("npm config set allow-git=root", md);
            Assert.DoesNotContain("{setting}", md);
            Assert.DoesNotContain("{value}", md);
            Assert.DoesNotContain("\r", md);
        }

        private static string ReadData() => File.ReadAllText(Path.Combine(RepoRoot(), "src", "NpmHardening.Engine", "Data", "npm-rules.json"));

        private static string RepoRoot([CallerFilePath] string here = "")
        {
            var dir = Path.GetDirectoryName(here);
            while (dir != null && !File.Exists(Path.Combine(dir, "NpmHardening.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("repository root not found from " + here);
        }
    }
}
