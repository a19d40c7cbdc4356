using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines
{
    public class PublishPathFinderTests
    {
        private static CiStep Action(string reference, params (string Key, string Value)[] inputs) =>
            new CiStep(CiStepKind.Action, null, new CiSource("w.yml", 1))
            {
                ActionRef = reference,
                Inputs = inputs.ToDictionary(i => i.Key, i => i.Value),
            };

        [Theory]
        [InlineData("JS-DevTools/npm-publish@v3", "JS-DevTools/npm-publish")]
        [InlineData("js-devtools/npm-publish@0123456789abcdef0123456789abcdef01234567", "JS-DevTools/npm-publish")]
        [InlineData("cycjimmy/semantic-release-action@v4", "semantic-release")]
        [InlineData("pascalgn/npm-publish-action@1.3.9", "pascalgn/npm-publish-action")]
        [InlineData("acme/shared/.github/workflows/npm-publish.yml@v1", "acme/shared/.github/workflows/npm-publish.yml")]
        [InlineData("mikeal/merge-release@master", "mikeal/merge-release")]
        [InlineData("actions/setup-node@v4", null)]
        [InlineData("changesets/action@v1", null)]
        [InlineData("googleapis/release-please-action@v4", null)]
        [InlineData("softprops/action-gh-release@v2", null)]
        public void Publishing_actions_by_name(string reference, string? tool) =>
            Assert.Equal(tool, PublishPathFinder.ClassifyAction(Action(reference))?.Tool);

        [Fact]
        public void Actions_that_publish_only_with_some_inputs()
        {
            Assert.NotNull(PublishPathFinder.ClassifyAction(Action("changesets/action@v1", ("publish", "pnpm release"))));
            Assert.Null(PublishPathFinder.ClassifyAction(Action("changesets/action@v1", ("version", "pnpm version"))));
            Assert.NotNull(PublishPathFinder.ClassifyAction(Action("borales/actions-yarn@v4", ("cmd", "publish --access public"))));
            Assert.Null(PublishPathFinder.ClassifyAction(Action("borales/actions-yarn@v4", ("cmd", "install"))));
            Assert.NotNull(PublishPathFinder.ClassifyAction(Action("actions/npm@master", ("args", "publish"))));
            Assert.Null(PublishPathFinder.ClassifyAction(Action("JS-DevTools/npm-publish@v3", ("dry-run", "true"))));
        }

        [Theory]
        [InlineData("18", true)]
        [InlineData("20.x", true)]
        [InlineData("22.13.1", true)]
        [InlineData("22", true)]          // npm 10 ships with Node 22
        [InlineData("24.1.0", true)]      // npm 11.3
        [InlineData("24", false)]
        [InlineData("24.x", false)]
        [InlineData("25", false)]
        [InlineData("lts/*", false)]      // not a version: nothing is claimed
        [InlineData("${{ matrix.node }}", false)]
        public void Node_versions_too_old_for_trusted_publishing(string version, bool old) =>
            Assert.Equal(old, PublishPipelineAnalyzer.NodeVerdict(version) != null);

        [Theory]
        [InlineData("JS-DevTools/npm-publish@v3", true)]
        [InlineData("JS-DevTools/npm-publish@0123456789abcdef0123456789abcdef01234567", false)]
        [InlineData("JS-DevTools/npm-publish@0123456789abcdef", true)]   // a short SHA is not immutable
        [InlineData("actions/checkout@v4", false)]
        [InlineData("github/codeql-action/upload-sarif@v3", false)]
        [InlineData("./.github/actions/publish", false)]
        [InlineData("docker://node:22", true)]
        [InlineData("docker://node@sha256:0123", false)]
        [InlineData("pnpm/action-setup", true)]
        public void Pinning(string reference, bool unpinned) =>
            Assert.Equal(unpinned, PublishPipelineAnalyzer.IsUnpinnedThirdParty(reference));

        [Fact]
        public void Event_conditions_and_never_conditions()
        {
            Assert.Equal(new[] { CiTriggerKind.Release }, PublishPathFinder.EventNames("github.event_name == 'release' && github.repository == 'a/b'"));
            Assert.Contains(CiTriggerKind.Tag, PublishPathFinder.EventNames("github.event_name=='push'"));
            Assert.Empty(PublishPathFinder.EventNames("github.event_name != 'pull_request'"));
            Assert.True(PublishPathFinder.IsNever("false"));
            Assert.True(PublishPathFinder.IsNever("${{ false }}"));
            Assert.False(PublishPathFinder.IsNever("github.ref == 'refs/heads/main'"));
            Assert.False(PublishPathFinder.IsNever(null));
        }

        [Theory]
        [InlineData(null, NpmPublishRegistry.Npmjs)]
        [InlineData("https://registry.npmjs.org/", NpmPublishRegistry.Npmjs)]
        [InlineData("https://npm.pkg.github.com", NpmPublishRegistry.GitHubPackages)]
        [InlineData("//npm.pkg.github.com/:_authToken", NpmPublishRegistry.GitHubPackages)]
        [InlineData("https://pkgs.dev.azure.com/acme/_packaging/feed/npm/registry/", NpmPublishRegistry.Other)]
        public void Registries(string? url, NpmPublishRegistry kind) => Assert.Equal(kind, PublishPathFinder.RegistryKind(url));

        [Fact]
        public void A_tag_condition_drops_branch_pushes()
        {
            var repo = new MemoryCiRepository().Add(".github/workflows/r.yml",
                "on:\n  push:\n    branches: [main]\n    tags: ['v*']\njobs:\n  p:\n    if: startsWith(github.ref, 'refs/tags/v')\n    runs-on: ubuntu-latest\n    environment: npm\n    steps:\n      - uses: JS-DevTools/npm-publish@v3\n        with:\n          token: ${{ secrets.NPM_TOKEN }}\n");
            var scan = new PublishPipelineScanner(PipelineScripts.Default).Scan(repo);
            var step = Assert.Single(scan.Results).Step;
            Assert.Equal(new[] { "Tag (tags: v*)" }, step.Triggers);
            Assert.Equal(NpmPublishAuth.StaticToken, step.Auth);
            Assert.Equal(new[] { "NPM_TOKEN" }, step.TokenNames);
        }

        [Fact]
        public void Findings_never_hold_a_secret_value()
        {
            var token = "npm_" + new string('Q', 36);
            var repo = new MemoryCiRepository().Add(".github/workflows/r.yml",
                "on: push\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          set -x\n          echo \"//registry.npmjs.org/:_authToken=" + token + "\" > ~/.npmrc\n          cat ~/.npmrc\n          npm publish --//registry.npmjs.org/:_authToken=" + token + "\n");
            var scan = new PublishPipelineScanner(PipelineScripts.Default).Scan(repo);
            var result = Assert.Single(scan.Results);
            Assert.Contains("NPMH10009", result.Step.RuleIds);
            foreach (var f in result.Findings)
            {
                Assert.DoesNotContain(token, f.Message);
                Assert.DoesNotContain(token, f.FactId);
                Assert.DoesNotContain(token, f.Remediation?.NpmCommand ?? "");
            }
            Assert.DoesNotContain(token, string.Join("|", result.Step.Command, result.Step.Step, result.Step.Via, string.Join(",", result.Step.TokenNames)));
        }
    }
}
