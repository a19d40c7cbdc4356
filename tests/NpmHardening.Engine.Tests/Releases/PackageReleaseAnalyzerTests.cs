using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>The release rules over histories read from fixture documents (publish order, lines, identities).</summary>
    public class PackageReleaseAnalyzerTests
    {
        private static int _day;
        private static string Day(int d) => new DateTime(2026, 1, 1).AddDays(d).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

        private static NpmPackument Doc(PackumentFixture f) => NpmPackumentReader.Read(f.Stream(), f.Name);

        private static List<NpmReleaseFinding> Audit(NpmPackument doc, Func<NpmPackageRelease, bool>? select = null, bool? signs = null)
        {
            var input = new NpmReleaseAuditInput
            {
                Package = doc.Package, Registry = "https://registry.example/", History = doc.Releases,
                Selected = doc.Releases.Where(select ?? (_ => true)).ToList(), RegistrySigns = signs,
            };
            var analyzer = new PackageReleaseAnalyzer();
            var findings = analyzer.Analyze(input).Cast<NpmReleaseFinding>().ToList();
            foreach (var f in findings)
            {
                Assert.Contains(f.RuleId, analyzer.RuleIds);
                var rule = RuleCatalog.Default[f.RuleId];
                Assert.Equal(rule.Title, f.Title);
                Assert.Equal(rule.Severity, f.Severity);
                Assert.Equal(RuleCatalog.ReleaseAudit, rule.Audit);
                Assert.False(string.IsNullOrEmpty(f.FactId));
            }
            // one fact per rule and version
            Assert.Equal(findings.Count, findings.Select(f => f.FactId).Distinct().Count());
            return findings;
        }

        private static string[] Failed(IEnumerable<NpmReleaseFinding> findings, string rule) =>
            findings.Where(f => f.RuleId == rule && f.Status == NpmHardening.NpmFindingStatus.Fail).Select(f => f.Version!).ToArray();

        [Fact]
        public void A_trust_downgrade_on_the_same_line_is_High_and_other_lines_do_not_count()
        {
            var f = new PackumentFixture("@acme/x");
            f.Add("1.0.0", Day(1), "oidc");
            f.Add("2.0.0", Day(2), "oidc");
            f.Add("1.1.0", Day(3), "token");            // loses both against 1.0.0
            f.Add("1.2.0", Day(4), "token+provenance");  // against 1.1.0 (token): nothing lost
            f.Add("2.1.0", Day(5), "token+provenance");  // against 2.0.0: loses trusted publishing, keeps provenance
            var findings = Audit(Doc(f));
            Assert.Equal(new[] { "1.1.0", "2.1.0" }, Failed(findings, PackageReleaseAnalyzer.LostTrustedPublisher));
            Assert.Equal(new[] { "1.1.0" }, Failed(findings, PackageReleaseAnalyzer.LostProvenance));
            var downgrade = findings.First(x => x.RuleId == PackageReleaseAnalyzer.LostTrustedPublisher);
            Assert.Equal("1.0.0", downgrade.PreviousVersion);
            Assert.Equal(NpmHardening.NpmSeverity.High, downgrade.Severity);
            Assert.Equal(NpmReleasePath.Token, downgrade.ReleasePath);
            Assert.Contains("npm deprecate @acme/x@1.1.0", downgrade.Remediation!.NpmCommand);
        }

        [Fact]
        public void A_release_without_approval_after_adoption_is_the_unapproved_publish()
        {
            var f = new PackumentFixture("left-pad");
            f.Add("1.0.0", Day(1), "token");
            f.Add("1.1.0", Day(2), "oidc+staged");
            f.Add("1.2.0", Day(3), "oidc+staged");
            f.Add("1.3.0", Day(4), "oidc");              // OIDC directly: skipped the gate
            f.Add("1.4.0", Day(5), "token", publisher: "alice");
            var findings = Audit(Doc(f));
            Assert.Equal(new[] { "1.3.0", "1.4.0" }, Failed(findings, PackageReleaseAnalyzer.UnapprovedAfterAdoption));
            Assert.All(findings.Where(x => x.RuleId == PackageReleaseAnalyzer.UnapprovedAfterAdoption), x => Assert.Equal("1.1.0", x.PreviousVersion));
            // a package that never staged is not judged by the rule
            var never = new PackumentFixture("never");
            never.Add("1.0.0", Day(1), "token");
            never.Add("1.0.1", Day(2), "token");
            var na = Audit(Doc(never)).Single(x => x.RuleId == PackageReleaseAnalyzer.UnapprovedAfterAdoption);
            Assert.Equal(NpmHardening.NpmFindingStatus.NotApplicable, na.Status);
            Assert.Null(na.Version);
        }

        [Fact]
        public void Publishers_and_approvers_seen_before_are_known_a_new_one_is_Medium()
        {
            var f = new PackumentFixture("p");
            f.Add("1.0.0", Day(1), "token", publisher: "alice");
            f.Add("1.1.0", Day(2), "staged", publisher: "alice", approver: "bob");
            f.Add("1.2.0", Day(3), "token", publisher: "bob");
            f.Add("1.3.0", Day(4), "staged", publisher: "mallory", approver: "alice");
            var findings = Audit(Doc(f));
            Assert.Equal(new[] { "1.3.0" }, Failed(findings, PackageReleaseAnalyzer.NewPublisher));
            Assert.Equal(NpmHardening.NpmSeverity.Medium, findings.First(x => x.RuleId == PackageReleaseAnalyzer.NewPublisher).Severity);
            // only the selected versions are judged, against the whole history
            var late = Audit(Doc(f), r => r.Version == "1.2.0");
            Assert.Empty(Failed(late, PackageReleaseAnalyzer.NewPublisher));
            Assert.Equal(NpmHardening.NpmFindingStatus.Pass, late.Single(x => x.RuleId == PackageReleaseAnalyzer.NewPublisher).Status);
        }

        [Fact]
        public void A_break_in_the_publish_routine_is_Medium_both_ways()
        {
            var ci = new PackumentFixture("ci");
            for (int i = 0; i < 5; i++) ci.Add("1.0." + i, Day(i), "oidc");
            ci.Add("1.0.5", Day(6), "token+provenance", publisher: "GitHub Actions");
            Assert.Equal(new[] { "1.0.5" }, Failed(Audit(Doc(ci)), PackageReleaseAnalyzer.UnusualPublisherKind));

            var humans = new PackumentFixture("humans");
            for (int i = 0; i < 5; i++) humans.Add("1.0." + i, Day(i), "token");
            humans.Add("1.0.5", Day(6), "oidc");
            Assert.Equal(new[] { "1.0.5" }, Failed(Audit(Doc(humans)), PackageReleaseAnalyzer.UnusualPublisherKind));

            // too little history to call anything normal
            var young = new PackumentFixture("young");
            young.Add("1.0.0", Day(1), "oidc");
            young.Add("1.0.1", Day(2), "oidc");
            young.Add("1.0.2", Day(3), "token");
            Assert.Empty(Failed(Audit(Doc(young)), PackageReleaseAnalyzer.UnusualPublisherKind));
        }

        [Fact]
        public void Signature_states_map_to_their_rules()
        {
            var f = new PackumentFixture("s");
            foreach (var v in new[] { "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4" }) f.Add(v, Day(_day++ % 300), "token");
            var doc = Doc(f);
            var states = new[] { NpmRegistrySignatureStatus.Valid, NpmRegistrySignatureStatus.Invalid, NpmRegistrySignatureStatus.Missing, NpmRegistrySignatureStatus.KeyExpired, NpmRegistrySignatureStatus.UnknownKey };
            for (int i = 0; i < states.Length; i++) doc.Releases.Single(r => r.Version == "1.0." + i).RegistrySignature = states[i];
            var findings = Audit(doc, signs: true);
            Assert.Equal(new[] { "1.0.1" }, Failed(findings, PackageReleaseAnalyzer.InvalidSignature));
            Assert.Equal(NpmHardening.NpmSeverity.Critical, findings.First(x => x.RuleId == PackageReleaseAnalyzer.InvalidSignature).Severity);
            Assert.Equal(new[] { "1.0.2" }, Failed(findings, PackageReleaseAnalyzer.MissingSignature));
            Assert.Equal(new[] { "1.0.3", "1.0.4" }, Failed(findings, PackageReleaseAnalyzer.UnverifiableSignature));

            // a registry without keys: nothing is missing
            foreach (var r in doc.Releases) r.RegistrySignature = NpmRegistrySignatureStatus.NotSigned;
            var unsigned = Audit(doc, signs: false);
            Assert.Equal(NpmHardening.NpmFindingStatus.NotApplicable, unsigned.Single(x => x.RuleId == PackageReleaseAnalyzer.MissingSignature).Status);
            // keys not read: no signature finding at all
            Assert.DoesNotContain(Audit(doc, signs: null), x => x.RuleId == PackageReleaseAnalyzer.MissingSignature);
        }

        [Fact]
        public void A_clean_history_gives_only_passes_and_versions_without_time_are_not_ordered()
        {
            var f = new PackumentFixture("clean");
            f.Add("1.0.0", Day(1), "oidc+staged");
            f.Add("1.1.0", Day(2), "oidc+staged");
            f.Add("1.2.0", Day(3), "oidc+staged");
            f.Add("0.0.1", Day(0), "token");
            f.Time("0.0.1", null);                      // no publish time: no place in the order
            var findings = Audit(Doc(f), signs: true);
            Assert.DoesNotContain(findings, x => x.Status == NpmHardening.NpmFindingStatus.Fail);
            Assert.All(findings, x => Assert.Null(x.Version));
            Assert.Equal(8, findings.Count);
        }
    }
}
