using System;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// The trust client's request bodies and response reading, and the trusted publisher rules. The bodies are the text
    /// npm 11.19.1 sent to the test fake for the same flags (TrustRegistry.Tests.ps1 compares the two live).
    /// </summary>
    public class TrustClientTests
    {
        private static NpmTrustedPublisher GitHub(string? env = "npm", params string[] permissions) => new NpmTrustedPublisher
        {
            Package = "@acme/one", Provider = "GitHub", Repository = "acme/one", WorkflowFile = "release.yml", Environment = env,
            Permissions = permissions.Length > 0 ? permissions : new[] { NpmTrustClient.CreateStagedPackage }, Registry = "https://registry.example/",
        };

        [Fact]
        public void GitHub_body_is_what_npm_trust_github_sends()
        {
            Assert.Equal("[{\"type\":\"github\",\"claims\":{\"repository\":\"acme/one\",\"workflow_ref\":{\"file\":\"release.yml\"},\"environment\":\"npm\"},\"permissions\":[\"createStagedPackage\"]}]",
                NpmTrustClient.CreateBody(GitHub()));
            // no environment key at all without one; createPackage first whatever order it was asked in
            Assert.Equal("[{\"type\":\"github\",\"claims\":{\"repository\":\"acme/one\",\"workflow_ref\":{\"file\":\"release.yml\"}},\"permissions\":[\"createPackage\",\"createStagedPackage\"]}]",
                NpmTrustClient.CreateBody(GitHub(null, NpmTrustClient.CreateStagedPackage, NpmTrustClient.CreatePackage)));
        }

        [Fact]
        public void GitLab_CircleCI_and_Buildkite_bodies_use_their_claim_names()
        {
            var gitlab = new NpmTrustedPublisher { Package = "p", Provider = "GitLab", Repository = "g/s/p", WorkflowFile = ".gitlab-ci.yml", Permissions = new[] { "createStagedPackage" } };
            Assert.Equal("[{\"type\":\"gitlab\",\"claims\":{\"project_path\":\"g/s/p\",\"ci_config_ref_uri\":{\"file\":\".gitlab-ci.yml\"}},\"permissions\":[\"createStagedPackage\"]}]", NpmTrustClient.CreateBody(gitlab));
            var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid().ToString()).ToArray();
            var circle = new NpmTrustedPublisher { Package = "p", Provider = "CircleCI", OrgId = ids[0], ProjectId = ids[1], PipelineDefinitionId = ids[2], VcsOrigin = "github.com/a/b", ContextId = new[] { ids[3] }, Permissions = new[] { "createStagedPackage" } };
            Assert.Equal($"[{{\"type\":\"circleci\",\"claims\":{{\"oidc.circleci.com/org-id\":\"{ids[0]}\",\"oidc.circleci.com/project-id\":\"{ids[1]}\",\"oidc.circleci.com/pipeline-definition-id\":\"{ids[2]}\",\"oidc.circleci.com/vcs-origin\":\"github.com/a/b\",\"oidc.circleci.com/context-ids\":[\"{ids[3]}\"]}},\"permissions\":[\"createStagedPackage\"]}}]", NpmTrustClient.CreateBody(circle));
            var bk = new NpmTrustedPublisher { Package = "p", Provider = "Buildkite", Organization = "acme", Pipeline = "release", Permissions = new[] { "createStagedPackage" } };
            Assert.Contains("\"claims\":{\"organization_slug\":\"acme\",\"pipeline_slug\":\"release\"}", NpmTrustClient.CreateBody(bk));
        }

        [Fact]
        public void A_body_without_permissions_or_claims_or_with_an_unknown_permission_is_refused()
        {
            var none = GitHub();
            none.Permissions = Array.Empty<string>();
            Assert.Throws<ArgumentException>(() => NpmTrustClient.CreateBody(none));
            Assert.Throws<ArgumentException>(() => NpmTrustClient.CreateBody(GitHub(null, "publishEverything")));
            Assert.Throws<ArgumentException>(() => NpmTrustClient.CreateBody(new NpmTrustedPublisher { Package = "p", Provider = "GitHub", Repository = "a/b", Permissions = new[] { "createPackage" } }));
            Assert.Throws<ArgumentException>(() => NpmTrustClient.CreateBody(new NpmTrustedPublisher { Package = "p", Provider = "Jenkins", Permissions = new[] { "createPackage" } }));
        }

        [Fact]
        public void Reading_keeps_permissions_literal_and_a_missing_field_as_legacy_publish_allowed()
        {
            Assert.True(JsJson.TryParse("[{\"id\":\"4887a957-3d23-491f-a1de-c81ccf095d60\",\"type\":\"github\",\"claims\":{\"repository\":\"a/b\",\"workflow_ref\":{\"file\":\"r.yml\"}},\"permissions\":[\"createStagedPackage\"]}," +
                "{\"type\":\"gitlab\",\"claims\":{\"project_path\":\"g/p\",\"ci_config_ref_uri\":{\"file\":\".gitlab-ci.yml\"},\"environment\":\"prod\"}}]", out var body));
            var list = NpmTrustClient.Read(body, "p", "https://r/", "https://r/-/package/p/trust");
            Assert.Equal(2, list.Count);
            Assert.False(list[0].AllowsDirectPublish);
            Assert.True(list[0].AllowsStagePublish);
            Assert.Equal("r.yml", list[0].WorkflowFile);
            Assert.Null(list[1].Permissions);
            Assert.True(list[1].AllowsDirectPublish);
            Assert.Null(list[1].AllowsStagePublish);
            Assert.Equal("prod", list[1].Environment);
            Assert.Equal("{\"file\":\".gitlab-ci.yml\"}", list[1].Claims["ci_config_ref_uri"]);
            // an empty body and [] are "none", a single object is one configuration, anything else is refused
            Assert.Empty(NpmTrustClient.Read(null, "p", "r", "h"));
            Assert.True(JsJson.TryParse("{\"type\":\"github\",\"claims\":{}}", out var single));
            Assert.Single(NpmTrustClient.Read(single, "p", "r", "h"));
            Assert.True(JsJson.TryParse("\"text\"", out var text));
            Assert.Equal(RegistryErrorKind.InvalidResponse, Assert.Throws<RegistryException>(() => NpmTrustClient.Read(text, "p", "r", "h")).Kind);
            Assert.True(JsJson.TryParse("[1]", out var numbers));
            Assert.Throws<RegistryException>(() => NpmTrustClient.Read(numbers, "p", "r", "h"));
        }

        [Fact]
        public void Releases_are_classified_by_their_markers_newest_first()
        {
            var text = "{\"versions\":{" +
                "\"1.0.0\":{\"_npmUser\":{\"name\":\"alice\"}}," +
                "\"1.1.0\":{\"_npmUser\":{\"name\":\"GitHub Actions\",\"trustedPublisher\":{\"id\":\"github\"}}}," +
                "\"1.2.0\":{\"_npmUser\":{\"name\":\"GitHub Actions\",\"trustedPublisher\":{\"id\":\"github\"},\"approver\":{\"name\":\"bob\"}}}," +
                "\"0.9.0\":{}}," +
                "\"time\":{\"1.0.0\":\"2026-01-01T00:00:00Z\",\"1.1.0\":\"2026-02-01T00:00:00Z\",\"1.2.0\":\"2026-03-01T00:00:00Z\"}}";
            NpmPackument Read(string json) => NpmPackumentReader.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "p");
            var all = NpmTrustClient.Newest(Read(text), "h", 10);
            Assert.Equal(new[] { "1.2.0", "1.1.0", "1.0.0", "0.9.0" }, all.Select(r => r.Version));
            Assert.Equal(new[] { NpmReleasePath.StagedApproved, NpmReleasePath.TrustedPublisherDirect, NpmReleasePath.Token, NpmReleasePath.Unknown }, all.Select(r => r.ReleasePath));
            Assert.Equal(2, NpmTrustClient.Newest(Read(text), "h", 2).Count);
            var finding = new TrustedPublisherAnalyzer().AnalyzeWithoutTrust("p", "https://r/", all);
            Assert.Equal(NpmFindingStatus.Fail, finding.Status);
            Assert.Equal("NPMH13006", finding.RuleId);
            Assert.Contains("1.0.0 by alice", finding.Message);
            Assert.Equal(NpmFindingStatus.Pass, new TrustedPublisherAnalyzer().AnalyzeWithoutTrust("p", "https://r/", all.Take(2).ToList()).Status);
            Assert.Throws<RegistryException>(() => NpmTrustClient.Newest(Read("{\"name\":\"p\"}"), "h", 5));
        }

        [Fact]
        public void Package_names_escape_as_npa_escapedName()
        {
            Assert.Equal("@acme%2fone", RegistryPackageName.Escape("@acme/one"));
            Assert.Equal("left-pad", RegistryPackageName.Escape("left-pad"));
            Assert.Equal("acme", RegistryPackageName.EscapeScope("@acme"));
            Assert.NotNull(RegistryPackageName.CheckScope("a/b"));
            Assert.Equal("{\"publish_requires_tfa\":true,\"automation_token_overrides_tfa\":false}", NpmAccessClient.TwoFactorBody(true, true));
            Assert.Equal("{\"publish_requires_tfa\":false}", NpmAccessClient.TwoFactorBody(false, false));
        }

        [Fact]
        public void The_analyzer_judges_direct_publish_legacy_and_environment_from_the_catalog()
        {
            var analyzer = new TrustedPublisherAnalyzer();
            var staged = analyzer.Analyze(new TrustedPublisherInput(GitHub())).ToList();
            Assert.All(staged, f => Assert.Equal(NpmFindingStatus.Pass, f.Status));
            Assert.All(staged, f => Assert.Contains(f.RuleId, analyzer.RuleIds));

            var direct = analyzer.Analyze(new TrustedPublisherInput(GitHub(null, "createPackage"))).ToList();
            var fail = direct.Where(f => f.Status == NpmFindingStatus.Fail).ToDictionary(f => f.RuleId);
            Assert.Equal(new[] { "NPMH13001", "NPMH13003" }, fail.Keys.OrderBy(k => k));
            Assert.Equal(RuleCatalog.Default["NPMH13001"].Severity, fail["NPMH13001"].Severity);
            Assert.Equal(NpmSeverity.High, fail["NPMH13001"].Severity);
            Assert.Equal(NpmSeverity.Medium, fail["NPMH13003"].Severity);
            var finding = (NpmTrustFinding)fail["NPMH13001"];
            Assert.Equal("@acme/one", finding.Package);
            Assert.Equal("release.yml", finding.WorkflowFile);
            Assert.Contains("--allow-stage-publish", finding.Remediation!.NpmCommand);

            var legacy = GitHub("npm");
            legacy.Permissions = null; legacy.AllowsDirectPublish = true;
            var l = analyzer.Analyze(new TrustedPublisherInput(legacy)).Where(f => f.Status == NpmFindingStatus.Fail).Select(f => f.RuleId).OrderBy(k => k);
            Assert.Equal(new[] { "NPMH13001", "NPMH13002" }, l);
        }

        [Fact]
        public void With_a_clone_a_missing_workflow_and_a_token_in_it_are_high()
        {
            var root = Path.Combine(Path.GetTempPath(), "npmh-trust-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
            try
            {
                var analyzer = new TrustedPublisherAnalyzer();
                var missing = analyzer.Analyze(new TrustedPublisherInput(GitHub(), root)).Single(f => f.RuleId == "NPMH13004");
                Assert.Equal(NpmFindingStatus.Fail, missing.Status);
                Assert.Equal(NpmSeverity.High, missing.Severity);

                File.WriteAllText(Path.Combine(root, ".github", "workflows", "release.yml"),
                    "on: push\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n");
                var findings = new TrustedPublisherAnalyzer().Analyze(new TrustedPublisherInput(GitHub(), root)).ToList();
                Assert.Equal(NpmFindingStatus.Pass, findings.Single(f => f.RuleId == "NPMH13004").Status);
                var token = findings.Single(f => f.RuleId == "NPMH13005");
                Assert.Equal(NpmFindingStatus.Fail, token.Status);
                Assert.Contains("NPM_TOKEN", token.Message);
                Assert.Equal(6, token.Location!.Line);

                // a workflow name from the registry never leaves the clone
                var hostile = GitHub();
                hostile.WorkflowFile = "../../etc/passwd.yml";
                Assert.DoesNotContain(new TrustedPublisherAnalyzer().Analyze(new TrustedPublisherInput(hostile, root)), f => f.RuleId == "NPMH13004");
            }
            finally { Directory.Delete(root, true); }
        }
    }
}
