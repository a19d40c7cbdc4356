using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines.Bitbucket
{
    public class BitbucketPipelinesReaderTests
    {
        private static readonly BitbucketPipelinesReader Reader = new BitbucketPipelinesReader();
        private const string File = "bitbucket-pipelines.yml";

        private static CiDefinition[] ReadAll(string yaml) => Reader.Read(new MemoryCiRepository().Add(File, yaml), File).ToArray();
        private static CiDefinition Read(string yaml) => ReadAll(yaml).Single();

        public static System.Collections.Generic.IEnumerable<object[]> CorpusCases() => ReaderCorpus.Cases("bitbucket");

        [Theory]
        [MemberData(nameof(CorpusCases))]
        public void Corpus_case(string name) => ReaderCorpus.Check(Reader, "bitbucket", name, File);

        [Theory]
        [InlineData("bitbucket-pipelines.yml", true)]
        [InlineData("Bitbucket-Pipelines.yml", true)]
        [InlineData("sub/bitbucket-pipelines.yml", false)]
        [InlineData("bitbucket-pipelines.yaml", false)]
        public void Claims_the_root_file_only(string path, bool claimed) => Assert.Equal(claimed, Reader.Claims(path));

        [Fact]
        public void Every_pipeline_section_is_a_definition_with_its_trigger()
        {
            var defs = ReadAll(
                "image: node:22.14\n" +
                "pipelines:\n" +
                "  default:\n    - step:\n        script: [npm test]\n" +
                "  branches:\n    main:\n      - step:\n          script: [npm test]\n    'release/*':\n      - step:\n          script: [npm test]\n" +
                "  tags:\n    'v*':\n      - step:\n          script: [npm publish]\n" +
                "  pull-requests:\n    '**':\n      - step:\n          script: [npm test]\n" +
                "  custom:\n    release:\n      - variables:\n          - name: TAG\n            default: latest\n      - step:\n          script: [npm publish --tag $TAG]\n");
            Assert.Equal(new[] { "default", "branches: main", "branches: release/*", "tags: v*", "pull-requests: **", "custom: release" }, defs.Select(d => d.Name));
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Push, CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.PullRequest, CiTriggerKind.Manual },
                defs.Select(d => d.Triggers.Single().Kind));
            Assert.Equal("tags: v*", defs[3].Triggers[0].Detail);
            Assert.Equal(14, defs[3].Triggers[0].Source.Line);
            Assert.All(defs, d => Assert.True(d.ImplicitSecretVariables));
            Assert.All(defs, d => Assert.Equal("22.14", d.Jobs.Single().Facts["node-version"]));
            Assert.Equal("TAG", defs[5].Env.Single().Name);
            Assert.Equal("latest", defs[5].Env.Single().Value);
        }

        [Fact]
        public void Steps_are_jobs_in_order_with_one_script_step_per_item()
        {
            var d = Read(
                "pipelines:\n  tags:\n    'v*':\n" +
                "      - step:\n          name: Build\n          caches: [node]\n          script:\n            - npm ci\n            - npm run build\n" +
                "      - step:\n          image: node:20\n          script:\n            - |\n              echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n              npm publish\n" +
                "          after-script:\n            - rm -f .npmrc\n");
            Assert.Equal(new[] { "Build", "step 2" }, d.Jobs.Select(j => j.Id));
            var build = d.Jobs[0];
            Assert.Empty(build.Needs);
            Assert.Equal("node", build.Facts["cache"]);
            Assert.Equal(new[] { "npm ci", "npm run build" }, build.Steps.Select(s => s.Script));
            Assert.Equal(new[] { 8, 9 }, build.Steps.Select(s => s.ScriptLine));
            Assert.All(build.Steps, s => Assert.Equal(CiShell.Posix, s.Shell));
            var publish = d.Jobs[1];
            Assert.Null(publish.Name);
            Assert.Equal(new[] { "Build" }, publish.Needs);
            Assert.Equal("20", publish.Facts["node-version"]);
            Assert.Equal(14, publish.Steps[0].ScriptLine);
            Assert.EndsWith("npm publish\n", publish.Steps[0].Script);
            Assert.Equal("after-script", publish.Steps[1].Name);
            Assert.Equal(CiGateKind.None, publish.Gate.Kind);
            Assert.False(publish.RequestsOidc);
        }

        [Fact]
        public void Manual_steps_pause_everything_after_them_and_deployments_are_environments()
        {
            var d = Read(
                "pipelines:\n  branches:\n    main:\n" +
                "      - step:\n          name: Test\n          deployment: test\n          script: [npm test]\n" +
                "      - step:\n          name: Approve\n          trigger: manual\n          script: [echo go]\n" +
                "      - step:\n          name: Publish\n          deployment: production\n          script: [npm publish]\n");
            Assert.Equal(CiGateKind.Environment, d.Jobs[0].Gate.Kind);
            Assert.Equal("test", d.Jobs[0].Gate.Name);
            Assert.Equal(CiGateKind.Manual, d.Jobs[1].Gate.Kind);
            var publish = d.Jobs[2];
            Assert.Equal(CiGateKind.Manual, publish.Gate.Kind);
            Assert.Equal("Approve", publish.Gate.Name);
            Assert.Equal(10, publish.Gate.Source.Line);
            Assert.Equal("production", publish.Facts["deployment"]);

            var envOnly = Read("pipelines:\n  default:\n    - step:\n        deployment: production\n        script: [npm publish]\n");
            Assert.Equal(CiGateKind.Environment, envOnly.Jobs[0].Gate.Kind);
            Assert.Equal("production", envOnly.Jobs[0].Gate.Name);
            Assert.Equal(4, envOnly.Jobs[0].Gate.Source.Line);
        }

        [Fact]
        public void The_npm_publish_pipe_is_an_action_whose_variables_bind_secrets()
        {
            var d = Read(
                "pipelines:\n  tags:\n    'v*':\n      - step:\n          oidc: true\n          script:\n" +
                "            - npm ci\n            - pipe: atlassian/npm-publish:1.1.0\n              variables:\n                NPM_TOKEN: $NPM_TOKEN\n                FOLDER: dist\n                EXTRA_ARGS: ['--access', 'public']\n");
            var job = d.Jobs.Single();
            Assert.True(job.RequestsOidc);
            var pipe = job.Steps[1];
            Assert.Equal(CiStepKind.Action, pipe.Kind);
            Assert.Equal("atlassian/npm-publish:1.1.0", pipe.ActionRef);
            Assert.Equal(8, pipe.Source.Line);
            Assert.Equal("dist", pipe.Inputs["FOLDER"]);
            Assert.Equal("--access public", pipe.Inputs["EXTRA_ARGS"]);
            var token = pipe.Env.Single(v => v.Name == "NPM_TOKEN");
            Assert.Equal("NPM_TOKEN", token.SecretName);
            Assert.Equal(10, token.Source.Line);
            Assert.Null(pipe.Env.Single(v => v.Name == "FOLDER").SecretName);
        }

        [Theory]
        [InlineData("$NPM_TOKEN", "NPM_TOKEN")]
        [InlineData("${NPM_TOKEN}", "NPM_TOKEN")]
        [InlineData(" $_x1 ", "_x1")]
        [InlineData("npm_abc", null)]
        [InlineData("Bearer $NPM_TOKEN", null)]
        [InlineData("$", null)]
        [InlineData("$1", null)]
        [InlineData("${A-B}", null)]
        public void Variable_references(string value, string? name) => Assert.Equal(name, BitbucketPipelinesReader.VariableReference(value));

        [Fact]
        public void Anchored_steps_from_definitions_are_shared_and_overridable()
        {
            var defs = ReadAll(
                "definitions:\n  steps:\n    - step: &publish\n        name: Publish\n        caches: [node]\n        script:\n          - npm publish\n" +
                "pipelines:\n  tags:\n    'v*':\n      - step: *publish\n  custom:\n    beta:\n      - step:\n          <<: *publish\n          name: Publish beta\n          trigger: manual\n");
            Assert.Equal(2, defs.Length);
            var tag = defs[0].Jobs.Single();
            Assert.Equal("Publish", tag.Id);
            Assert.Equal(7, tag.Steps.Single().ScriptLine); // where the anchored script is written
            var beta = defs[1].Jobs.Single();
            Assert.Equal("Publish beta", beta.Id);
            Assert.Equal(CiGateKind.Manual, beta.Gate.Kind);
            Assert.Equal("npm publish", beta.Steps.Single().Script);
        }

        [Fact]
        public void Stages_and_parallel_groups_flatten_with_their_settings()
        {
            var d = Read(
                "pipelines:\n  branches:\n    main:\n" +
                "      - parallel:\n          fail-fast: true\n          steps:\n            - step:\n                name: Lint\n                script: [npm run lint]\n            - step:\n                name: Test\n                script: [npm test]\n" +
                "      - stage:\n          name: Release\n          deployment: production\n          trigger: manual\n          condition:\n            changesets:\n              includePaths: ['src/**', package.json]\n          steps:\n" +
                "            - step:\n                name: Version\n                script: [npm version patch]\n            - step:\n                name: Publish\n                runs-on: [self.hosted, windows]\n                script: [npm publish]\n");
            Assert.Equal(new[] { "Lint", "Test", "Release/Version", "Release/Publish" }, d.Jobs.Select(j => j.Id));
            Assert.Empty(d.Jobs[0].Needs);
            Assert.Empty(d.Jobs[1].Needs);
            Assert.Equal(new[] { "Lint", "Test" }, d.Jobs[2].Needs);
            Assert.Equal(new[] { "Release/Version" }, d.Jobs[3].Needs);
            var publish = d.Jobs[3];
            Assert.Equal(CiGateKind.Manual, publish.Gate.Kind);
            Assert.Equal("Release", publish.Gate.Name);
            Assert.Equal("production", publish.Facts["deployment"]);
            Assert.Equal("changesets includePaths: src/**, package.json", publish.Condition);
            Assert.Equal(CiShell.PowerShell, publish.Steps.Single().Shell);
            Assert.Equal("self.hosted, windows", publish.Facts["runs-on"]);
        }

        [Fact]
        public void Imported_pipelines_are_noted_not_fetched_and_exported_ones_are_read()
        {
            var defs = ReadAll("pipelines:\n  custom:\n    release:\n      import: shared-pipelines:master:npm-release\n");
            var job = defs.Single().Jobs.Single();
            Assert.Equal("import:shared-pipelines:master:npm-release", job.Steps.Single().ActionRef);
            var shared = ReadAll("export: true\ndefinitions:\n  pipelines:\n    npm-release:\n      - step:\n          script: [npm publish]\n");
            Assert.Equal("shared: npm-release", shared.Single().Name);
            Assert.Equal(CiTriggerKind.Other, shared.Single().Triggers.Single().Kind);
        }

        [Theory]
        [InlineData("image: node\n", 1, "no 'pipelines'")]
        [InlineData("pipelines:\n  default:\n    - step:\n        name: x\n", 3, "no script")]
        [InlineData("pipelines:\n  default:\n    - step:\n        script: npm publish\n", 4, "list of commands")]
        [InlineData("pipelines:\n  nightly:\n    - step:\n        script: [x]\n", 2, "not a pipeline section")]
        [InlineData("pipelines:\n  default:\n    - script: [x]\n", 3, "not a pipeline item")]
        [InlineData("pipelines:\n  branches:\n    - step:\n        script: [x]\n", 3, "must map")]
        public void Broken_files_name_the_line(string yaml, int line, string words)
        {
            var e = Assert.Throws<CiDefinitionException>(() => ReadAll(yaml));
            Assert.Equal(File, e.File);
            Assert.Equal(line, e.Line);
            Assert.Contains(words, e.Message);
        }
    }
}
