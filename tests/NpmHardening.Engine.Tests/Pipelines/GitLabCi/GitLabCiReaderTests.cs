using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines.GitLabCi
{
    public class GitLabCiReaderTests
    {
        private static readonly GitLabCiReader Reader = new GitLabCiReader();

        private static CiDefinition Read(MemoryCiRepository repo) => Reader.Read(repo, ".gitlab-ci.yml").Single();

        private static CiDefinition Read(string yaml) => Read(new MemoryCiRepository().Add(".gitlab-ci.yml", yaml));

        private static CiJob Job(CiDefinition d, string id) => d.Jobs.Single(j => j.Id == id);

        private static CiTriggerKind[] Kinds(CiJob job) => job.Triggers!.Select(t => t.Kind).ToArray();

        [Theory]
        [InlineData(".gitlab-ci.yml", true)]
        [InlineData(".GitLab-CI.yaml", true)]
        [InlineData("ci/.gitlab-ci.yml", false)]
        [InlineData("templates/publish.gitlab-ci.yml", false)]
        [InlineData("gitlab-ci.yml", false)]
        public void Claims_the_root_file(string path, bool claimed) => Assert.Equal(claimed, Reader.Claims(path));

        [Fact]
        public void Script_lists_keep_each_command_on_its_own_line()
        {
            var d = Read(
                "publish:\n" +
                "  image: node:22.14-alpine\n" +
                "  before_script:\n    - npm ci\n" +
                "  script:\n" +
                "    - echo start\n" +
                "    # a comment between commands\n" +
                "    - |\n      cd packages/lib\n      npm publish\n" +
                "    - [echo nested, echo list]\n" +
                "  after_script: echo done\n");
            var job = d.Jobs.Single();
            Assert.Equal(new[] { "before_script", "script", "after_script" }, job.Steps.Select(s => s.Name));
            var script = job.Steps[1];
            Assert.Equal(CiShell.Posix, script.Shell);
            Assert.Equal(6, script.ScriptLine);
            var lines = script.Script!.Split('\n');
            Assert.Equal("echo start", lines[0]);
            Assert.Equal("cd packages/lib", lines[9 - 6]);
            Assert.Equal("npm publish", lines[10 - 6]);
            Assert.Equal("echo nested", lines[11 - 6]);
            Assert.Equal("echo list", lines[12 - 6]);
            Assert.Equal(5, script.Source.Line);
            Assert.Equal("22.14", job.Facts["node-version"]);
            Assert.Equal("node:22.14-alpine", job.Facts["image"]);
            Assert.Equal("echo done\n", job.Steps[2].Script);
        }

        [Fact]
        public void Anchors_and_merge_keys_build_jobs()
        {
            var d = Read(
                ".defaults: &defaults\n  image: node:22.14\n  before_script: &install\n    - npm ci\n" +
                "publish:\n  <<: *defaults\n  script:\n    - *install\n    - npm publish\n");
            var job = d.Jobs.Single();
            Assert.Equal("22.14", job.Facts["node-version"]);
            Assert.Equal("npm ci\n", job.Steps[0].Script);
            // the aliased command is written on line 4, the publish on line 9: one script whose lines still match the file
            var script = job.Steps.Single(s => s.Name == "script");
            Assert.Equal(4, script.ScriptLine);
            var lines = script.Script!.Split('\n');
            Assert.Equal("npm ci", lines[0]);
            Assert.Equal("npm publish", lines[9 - 4]);
        }

        [Fact]
        public void Hidden_and_reserved_keys_are_not_jobs_and_jobs_without_script_are_skipped()
        {
            var d = Read(
                "stages: [build, release]\nvariables:\n  A: b\n.template:\n  script: npm publish\n" +
                "build:\n  stage: build\n  script: npm ci\nnot_a_job:\n  stage: build\n");
            Assert.Equal(new[] { "build" }, d.Jobs.Select(j => j.Id));
        }

        [Fact]
        public void Variables_and_secret_references()
        {
            var d = Read(
                "variables:\n  NPM_REGISTRY: https://registry.npmjs.org\n  GLOBAL_TOKEN: $NPM_TOKEN\n" +
                "publish:\n" +
                "  variables:\n    NODE_AUTH_TOKEN: ${NPM_PUBLISH_TOKEN}\n    URL: $NPM_REGISTRY\n    JOB: $CI_JOB_TOKEN\n    SHA: $CI_COMMIT_SHA\n    FULL:\n      value: $DEPLOY_TOKEN\n      description: the token\n    LITERAL: $$NOT_A_VAR\n" +
                "  secrets:\n    VAULT_NPM:\n      vault: npm/token@secrets\n" +
                "  script: npm publish\n" +
                "other:\n  inherit:\n    variables: false\n  script: echo\n");
            Assert.Equal("NPM_TOKEN", d.Env.Single(v => v.Name == "GLOBAL_TOKEN").SecretName);
            var job = Job(d, "publish");
            string? Secret(string name) => job.Env.Single(v => v.Name == name).SecretName;
            Assert.Equal("NPM_PUBLISH_TOKEN", Secret("NODE_AUTH_TOKEN"));
            Assert.Null(Secret("URL"));
            Assert.Equal("CI_JOB_TOKEN", Secret("JOB"));
            Assert.Null(Secret("SHA"));
            Assert.Equal("DEPLOY_TOKEN", Secret("FULL"));
            Assert.Null(Secret("LITERAL"));
            Assert.Equal("VAULT_NPM", Secret("VAULT_NPM"));
            Assert.Equal("NPM_TOKEN", Secret("GLOBAL_TOKEN")); // top-level variables reach every job
            Assert.Empty(Job(d, "other").Env);
        }

        [Fact]
        public void Id_tokens_request_oidc_with_the_npm_audience_and_default_id_tokens_are_inherited()
        {
            var d = Read(
                "default:\n  image: node:24\n  id_tokens:\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore\n    NPM_ID_TOKEN:\n      aud: \"npm:registry.npmjs.org\"\n" +
                "publish:\n  script:\n    - npm publish\n" +
                "own:\n  id_tokens:\n    ID:\n      aud: [https://vault.example.com, npm:registry.npmjs.org]\n  script: echo\n" +
                "none:\n  inherit:\n    default: false\n  script: echo\n");
            var publish = Job(d, "publish");
            Assert.True(publish.RequestsOidc);
            Assert.Equal("npm:registry.npmjs.org", publish.OidcAudience);
            Assert.Equal("24", publish.Facts["node-version"]);
            Assert.Equal("npm:registry.npmjs.org", Job(d, "own").OidcAudience);
            Assert.False(Job(d, "none").RequestsOidc);
            Assert.False(Job(d, "none").Facts.ContainsKey("image"));
        }

        [Fact]
        public void Image_version_from_a_yaml_variable()
        {
            var d = Read("variables:\n  NODE_VERSION: '22.14'\npublish:\n  image: node:${NODE_VERSION}\n  script: npm publish\n");
            Assert.Equal("22.14", d.Jobs[0].Facts["node-version"]);
        }

        [Fact]
        public void Rules_decide_the_kinds_of_pipeline_and_the_manual_gate()
        {
            var d = Read(
                "tag_publish:\n  rules:\n    - if: $CI_COMMIT_TAG\n  script: npm publish\n" +
                "main_only:\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n  script: echo\n" +
                "mr:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script: echo\n" +
                "manual_release:\n  rules:\n    - if: $CI_COMMIT_TAG =~ /^v\\d+/\n      when: manual\n    - when: never\n  script: npm publish\n" +
                "mixed:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n    - if: $CI_COMMIT_BRANCH == \"main\"\n  script: npm publish\n" +
                "never_on_tags:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: never\n    - when: on_success\n  script: echo\n" +
                "scheduled:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n  script: echo\n");
            Assert.Equal(new[] { CiTriggerKind.Tag }, Kinds(Job(d, "tag_publish")));
            Assert.Equal("$CI_COMMIT_TAG", Job(d, "tag_publish").Triggers![0].Detail);
            Assert.Equal(3, Job(d, "tag_publish").Triggers![0].Source.Line);
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Schedule }, Kinds(Job(d, "main_only")));
            Assert.Equal(new[] { CiTriggerKind.PullRequest }, Kinds(Job(d, "mr")));
            var manual = Job(d, "manual_release");
            Assert.Equal(new[] { CiTriggerKind.Tag }, Kinds(manual));
            Assert.Equal(CiGateKind.Manual, manual.Gate.Kind);
            Assert.Equal("manual_release", manual.Gate.Name);
            var mixed = Job(d, "mixed");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.Schedule }, Kinds(mixed));
            Assert.Equal(CiGateKind.None, mixed.Gate.Kind); // a push to main publishes without anyone
            Assert.Equal("$CI_COMMIT_TAG || $CI_COMMIT_BRANCH == \"main\"", mixed.Condition);
            Assert.DoesNotContain(CiTriggerKind.Tag, Kinds(Job(d, "never_on_tags")));
            Assert.Equal(new[] { CiTriggerKind.Schedule }, Kinds(Job(d, "scheduled")));
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.PullRequest, CiTriggerKind.Schedule }, d.Triggers.Select(t => t.Kind));
        }

        [Fact]
        public void Workflow_rules_narrow_every_job()
        {
            var d = Read(
                "workflow:\n  name: Release pipeline\n  rules:\n    - if: $CI_COMMIT_TAG\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n" +
                "publish:\n  script: npm publish\n");
            Assert.Equal("Release pipeline", d.Name);
            Assert.Equal(new[] { CiTriggerKind.Tag, CiTriggerKind.PullRequest }, d.Triggers.Select(t => t.Kind));
            Assert.Equal(new[] { CiTriggerKind.Tag }, Kinds(d.Jobs[0])); // no rules: branch and tag pipelines, not merge requests
        }

        [Fact]
        public void Only_and_except()
        {
            var d = Read(
                "a:\n  only: [tags]\n  script: x\n" +
                "b:\n  only:\n    - main\n    - /^release-.*$/\n  script: x\n" +
                "c:\n  except: [tags]\n  script: x\n" +
                "d:\n  only:\n    refs: [branches]\n    variables: [$CI_COMMIT_BRANCH == \"main\"]\n  script: x\n" +
                "e:\n  when: manual\n  only: [tags]\n  script: x\n");
            Assert.Equal(new[] { CiTriggerKind.Tag }, Kinds(Job(d, "a")));
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag }, Kinds(Job(d, "b")));
            Assert.Equal("only: main, /^release-.*$/", Job(d, "b").Condition);
            Assert.Equal(new[] { CiTriggerKind.Push }, Kinds(Job(d, "c")));
            Assert.Equal(new[] { CiTriggerKind.Push }, Kinds(Job(d, "d")));
            Assert.Equal(CiGateKind.Manual, Job(d, "e").Gate.Kind);
            Assert.Equal("true", Job(d, "e").Facts["allow_failure"]);
        }

        [Fact]
        public void Environment_gate_and_blocking_manual_jobs_hold_back_later_stages()
        {
            var d = Read(
                "stages: [build, approve, publish]\n" +
                "build:\n  stage: build\n  script: npm ci\n" +
                "approve:\n  stage: approve\n  when: manual\n  allow_failure: false\n  script: echo approved\n" +
                "publish:\n  stage: publish\n  environment:\n    name: npm\n    url: https://www.npmjs.com/package/x\n  script: npm publish\n" +
                "independent:\n  stage: publish\n  needs: [build]\n  script: npm publish\n");
            var publish = Job(d, "publish");
            Assert.Equal(new[] { "build", "approve" }, publish.Needs);
            Assert.Equal(CiGateKind.Environment, publish.Gate.Kind);
            Assert.Equal("npm", publish.Gate.Name);
            Assert.Equal(CiGateKind.Manual, Job(d, "approve").Gate.Kind);
            Assert.Equal("false", Job(d, "approve").Facts["allow_failure"]);
            Assert.Equal(CiGateKind.None, Job(d, "independent").Gate.Kind);
            Assert.Equal(new[] { "build" }, Job(d, "independent").Needs);

            var env = Read("deploy:\n  environment: production\n  script: npm publish\n");
            Assert.Equal(CiGateKind.Environment, env.Jobs[0].Gate.Kind);
            Assert.Equal("production", env.Jobs[0].Gate.Name);

            // a manual job that may fail does not stop the pipeline
            var optional = Read("stages: [a, b]\nask:\n  stage: a\n  when: manual\n  script: x\nrelease:\n  stage: b\n  script: npm publish\n");
            Assert.Empty(Job(optional, "release").Needs);
        }

        [Fact]
        public void Extends_merges_deeply_and_reference_tags_are_resolved()
        {
            var d = Read(
                ".node:\n  image: node:20\n  variables:\n    A: '1'\n    B: '2'\n  before_script:\n    - npm ci\n" +
                ".npmrc:\n  script:\n    - echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n" +
                "publish:\n  extends: .node\n  variables:\n    B: '3'\n  script:\n    - !reference [.npmrc, script]\n    - npm publish\n");
            var job = d.Jobs.Single();
            Assert.Equal("20", job.Facts["node-version"]);
            Assert.Equal("1", job.Env.Single(v => v.Name == "A").Value);
            Assert.Equal("3", job.Env.Single(v => v.Name == "B").Value);
            Assert.Equal("npm ci\n", job.Steps[0].Script);
            var script = job.Steps[1].Script!;
            Assert.Contains("_authToken=${NPM_TOKEN}", script);
            Assert.EndsWith("npm publish\n", script);
        }

        [Fact]
        public void Extends_cycles_and_unknown_parents_are_errors()
        {
            var cycle = Assert.Throws<CiDefinitionException>(() => Read("a:\n  extends: b\n  script: x\nb:\n  extends: a\n  script: y\n"));
            Assert.Contains("cycle", cycle.Message);
            var missing = Assert.Throws<CiDefinitionException>(() => Read("a:\n  extends: .nope\n  script: x\n"));
            Assert.Equal(2, missing.Line);
            Assert.Contains(".nope", missing.Message);
            // with an include the reader does not fetch, the parent may well exist
            var remote = Read("include:\n  - remote: https://example.com/t.yml\na:\n  extends: .nope\n  script: x\n");
            Assert.Single(remote.Jobs);
            Assert.Equal(new[] { "remote:https://example.com/t.yml" }, remote.RemoteIncludes);
        }

        [Fact]
        public void Local_includes_in_every_form_merge_under_the_main_file()
        {
            var repo = new MemoryCiRepository()
                .Add(".gitlab-ci.yml",
                    "include:\n  - ci/base.yml\n  - local: /ci/publish.yml\n  - project: $CI_PROJECT_PATH\n    file: [ci/extra.yml]\n  - project: group/templates\n    ref: main\n    file: /npm.yml\n  - template: Jobs/SAST.gitlab-ci.yml\n  - component: gitlab.com/acme/npm/publish@1.0\n" +
                    "publish:\n  variables:\n    OVERRIDE: main\n")
                .Add("ci/base.yml", "variables:\n  FROM_BASE: '1'\n")
                .Add("ci/publish.yml", "include: ci/base.yml\npublish:\n  image: node:22\n  script:\n    - npm publish\n")
                .Add("ci/extra.yml", "extra:\n  script: echo\n");
            var d = Read(repo);
            Assert.Equal(new[] { "ci/base.yml", "ci/publish.yml", "ci/extra.yml" }, d.IncludedFiles);
            Assert.Equal(new[] { "project:group/templates:/npm.yml@main", "template:Jobs/SAST.gitlab-ci.yml", "component:gitlab.com/acme/npm/publish@1.0" }, d.RemoteIncludes);
            var publish = Job(d, "publish");
            Assert.Equal("ci/publish.yml", publish.Steps[0].Source.File);
            Assert.Equal(5, publish.Steps[0].ScriptLine);
            Assert.Contains(publish.Env, v => v.Name == "OVERRIDE");
            Assert.Contains(publish.Env, v => v.Name == "FROM_BASE");
            Assert.Contains(d.Jobs, j => j.Id == "extra");
        }

        [Fact]
        public void Wildcard_includes_and_include_cycles()
        {
            var repo = new MemoryCiRepository()
                .Add(".gitlab-ci.yml", "include: 'ci/*.yml'\n")
                .Add("ci/a.yml", "include: ci/b.yml\na:\n  script: x\n")
                .Add("ci/b.yml", "include: ci/a.yml\nb:\n  script: y\n")
                .Add("ci/readme.md", "not yaml");
            var d = Read(repo);
            Assert.Equal(new[] { "a", "b" }, d.Jobs.Select(j => j.Id).OrderBy(x => x));
        }

        [Fact]
        public void Missing_local_include_is_an_error_naming_the_including_line()
        {
            var repo = new MemoryCiRepository().Add(".gitlab-ci.yml", "include:\n  - local: ci/missing.yml\njob:\n  script: x\n");
            var error = Assert.Throws<CiDefinitionException>(() => Read(repo));
            Assert.Equal(".gitlab-ci.yml", error.File);
            Assert.Equal(2, error.Line);
            Assert.Contains("ci/missing.yml", error.Message);
        }

        [Fact]
        public void Spec_header_document_is_skipped()
        {
            var d = Read("spec:\n  inputs:\n    stage:\n      default: release\n---\npublish:\n  stage: $[[ inputs.stage ]]\n  script: npm publish\n");
            Assert.Equal("publish", d.Jobs.Single().Id);
            Assert.Equal(8, d.Jobs[0].Steps[0].ScriptLine);
        }

        [Fact]
        public void Windows_runner_tags_mean_powershell()
        {
            var d = Read("publish:\n  tags: [saas-windows-medium-amd64]\n  script: npm publish\n");
            Assert.Equal(CiShell.PowerShell, d.Jobs[0].Steps[0].Shell);
        }

        [Fact]
        public void Project_variables_the_scripts_use_are_bound_to_the_pipeline()
        {
            var d = Read(
                "variables:\n  DEFINED_TOKEN: plain\n" +
                "publish:\n  id_tokens:\n    NPM_ID_TOKEN:\n      aud: npm:registry.npmjs.org\n" +
                "  script:\n    - echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n    - LOCAL_TOKEN=$(cat token.txt)\n" +
                "    - echo $LOCAL_TOKEN $DEFINED_TOKEN $NPM_ID_TOKEN $CI_COMMIT_SHA $CI_JOB_TOKEN $VERSION\n");
            var bound = d.Env.Where(v => v.Value == null).ToList();
            Assert.Equal(new[] { "NPM_TOKEN", "CI_JOB_TOKEN" }, bound.Select(v => v.Name));
            Assert.Equal("NPM_TOKEN", bound[0].SecretName);
            Assert.Equal(8, bound[0].Source.Line);
        }

        [Fact]
        public void Trigger_jobs_are_actions_and_other_projects_are_noted()
        {
            var d = Read("docs:\n  trigger:\n    project: acme/docs\n    strategy: depend\ngen:\n  trigger:\n    include:\n      - artifact: generated.yml\n        job: generate\n");
            var step = d.Jobs[0].Steps.Single();
            Assert.Equal(CiStepKind.Action, step.Kind);
            Assert.Equal("trigger:acme/docs", step.ActionRef);
            Assert.Equal(new[] { "artifact:generated.yml (job generate)" }, d.RemoteIncludes);
        }

        [Fact]
        public void Child_pipelines_in_the_repository_are_read_with_the_parent_job_context()
        {
            var repo = new MemoryCiRepository()
                .Add(".gitlab-ci.yml",
                    "publish-packages:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n  trigger:\n    include: ci/publish.yml\n    strategy: depend\n")
                .Add("ci/publish.yml",
                    "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"parent_pipeline\"\n" +
                    "publish:\n  script:\n    - npm publish\n" +
                    "not-in-children:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\"\n  script: npm publish\n");
            var results = Reader.Read(repo, ".gitlab-ci.yml").ToList();
            Assert.Equal(new[] { ".gitlab-ci.yml", "ci/publish.yml" }, results.Select(r => r.File));
            var child = results[1];
            Assert.Equal("child of .gitlab-ci.yml: publish-packages", child.Name);
            var publish = child.Jobs.Single(j => j.Id == "publish");
            Assert.Equal(new[] { CiTriggerKind.Tag }, Kinds(publish));
            Assert.Equal(CiGateKind.Manual, publish.Gate.Kind);
            Assert.Equal("publish-packages (trigger job publish-packages)", publish.Gate.Name);
            Assert.Empty(Kinds(child.Jobs.Single(j => j.Id == "not-in-children")));

            var missing = new MemoryCiRepository().Add(".gitlab-ci.yml", "child:\n  trigger:\n    include:\n      - local: ci/none.yml\n");
            var error = Assert.Throws<CiDefinitionException>(() => Reader.Read(missing, ".gitlab-ci.yml").ToList());
            Assert.Contains("ci/none.yml", error.Message);
        }

        [Fact]
        public void Workflow_rules_by_reference_and_conditional_variables()
        {
            var d = Read(
                ".release_rules:\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\" && $CI_COMMIT_MESSAGE =~ /\\[publish\\]/\n    - if: $CI_PIPELINE_SOURCE == 'web'\n" +
                "workflow:\n  rules: !reference [.release_rules, rules]\n" +
                "publish:\n  script: npm publish\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Manual }, d.Triggers.Select(t => t.Kind));
            // a job without rules runs in every branch pipeline, a web-started one included
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Manual }, Kinds(d.Jobs[0]));
            Assert.Equal("$CI_COMMIT_BRANCH == \"main\" && $CI_COMMIT_MESSAGE =~ /\\[publish\\]/", d.Triggers[0].Detail);
            Assert.Equal(3, d.Triggers[0].Source.Line);
        }

        [Fact]
        public void A_job_that_is_not_a_mapping_is_an_error()
        {
            var error = Assert.Throws<CiDefinitionException>(() => Read("publish: npm publish\n"));
            Assert.Equal(1, error.Line);
        }

        [Theory]
        [InlineData("$CI_COMMIT_TAG", CiTriggerKind.Tag, "True")]
        [InlineData("$CI_COMMIT_TAG", CiTriggerKind.Push, "False")]
        [InlineData("$CI_COMMIT_TAG == null", CiTriggerKind.Push, "True")]
        [InlineData("$CI_COMMIT_TAG != null", CiTriggerKind.Tag, "True")]
        [InlineData("$CI_COMMIT_TAG =~ /^v/", CiTriggerKind.Tag, "Unknown")]
        [InlineData("$CI_COMMIT_TAG =~ /^v/", CiTriggerKind.Push, "False")]
        [InlineData("$CI_PIPELINE_SOURCE =~ /^(push|web)$/", CiTriggerKind.Manual, "True")]
        [InlineData("$CI_PIPELINE_SOURCE == 'schedule' || $CI_COMMIT_TAG", CiTriggerKind.Schedule, "True")]
        [InlineData("$CI_COMMIT_BRANCH && $RELEASE == \"yes\"", CiTriggerKind.Push, "Unknown")]
        [InlineData("$CI_COMMIT_BRANCH && $RELEASE == \"yes\"", CiTriggerKind.Tag, "False")]
        [InlineData("($CI_MERGE_REQUEST_IID) && $X", CiTriggerKind.PullRequest, "Unknown")]
        [InlineData("$CI_MERGE_REQUEST_IID", CiTriggerKind.Push, "False")]
        [InlineData("this is not an expression", CiTriggerKind.Push, "Unknown")]
        [InlineData("$CI_PIPELINE_SOURCE =~ /(a+)+$/", CiTriggerKind.Push, "False")]
        public void Rule_expressions(string expression, CiTriggerKind kind, string expected) =>
            Assert.Equal(expected, GitLabRules.Evaluate(expression, kind).ToString());

        [Theory]
        [InlineData("node:22.14-alpine", "22.14")]
        [InlineData("docker.io/library/node:20", "20")]
        [InlineData("cimg/node:18.19.0", "18.19.0")]
        [InlineData("node:lts-slim", "lts")]
        [InlineData("node", "latest")]
        [InlineData("node:${NODE}", null)]
        [InlineData("python:3.12", null)]
        [InlineData("registry.example.com/tools/node-builder:1", null)]
        public void Node_version_of_an_image(string image, string? version) => Assert.Equal(version, GitLabCiReader.NodeVersionOfImage(image));
    }
}
