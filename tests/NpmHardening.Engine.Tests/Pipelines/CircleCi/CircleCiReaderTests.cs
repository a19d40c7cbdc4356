using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines.CircleCi
{
    public class CircleCiReaderTests
    {
        private static readonly CircleCiReader Reader = new CircleCiReader();
        private const string File = ".circleci/config.yml";

        private static CiDefinition[] ReadAll(MemoryCiRepository repo) => Reader.Read(repo, File).ToArray();
        private static CiDefinition[] ReadAll(string yaml) => ReadAll(new MemoryCiRepository().Add(File, yaml));
        private static CiDefinition Read(string yaml) => ReadAll(yaml).Single();
        private static CiJob Job(CiDefinition d, string id) => d.Jobs.Single(j => j.Id == id);

        private const string Jobs =
            "jobs:\n" +
            "  test:\n    docker:\n      - image: cimg/node:22.14.0\n    steps:\n      - checkout\n      - run: npm ci\n" +
            "  publish:\n    docker:\n      - image: cimg/node:20.11\n    steps:\n      - checkout\n      - run:\n          name: Publish\n          command: |\n            echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > ~/.npmrc\n            npm publish\n";

        public static System.Collections.Generic.IEnumerable<object[]> CorpusCases() => ReaderCorpus.Cases("circleci");

        [Theory]
        [MemberData(nameof(CorpusCases))]
        public void Corpus_case(string name) => ReaderCorpus.Check(Reader, "circleci", name, File);

        [Theory]
        [InlineData(".circleci/config.yml", true)]
        [InlineData(".CircleCI/Config.yml", true)]
        [InlineData(".circleci/continue.yml", false)]
        [InlineData("config.yml", false)]
        [InlineData(".github/workflows/config.yml", false)]
        public void Claims_the_config_file_only(string path, bool claimed) => Assert.Equal(claimed, Reader.Claims(path));

        [Fact]
        public void One_definition_per_workflow_with_requires_contexts_and_script_lines()
        {
            var defs = ReadAll("version: 2.1\n" + Jobs +
                "workflows:\n  version: 2\n  release:\n    jobs:\n      - test\n      - publish:\n          requires: [test]\n          context:\n            - npm-publish\n            - slack\n  nightly:\n    triggers:\n      - schedule:\n          cron: '0 3 * * *'\n          filters: { branches: { only: main } }\n    jobs:\n      - test\n");
            Assert.Equal(new[] { "release", "nightly" }, defs.Select(d => d.Name));
            Assert.All(defs, d => Assert.True(d.ImplicitSecretVariables));
            var release = defs[0];
            Assert.Equal(new[] { "test", "publish" }, release.Jobs.Select(j => j.Id));
            var publish = Job(release, "publish");
            Assert.Equal(new[] { "test" }, publish.Needs);
            Assert.Equal(new[] { "npm-publish", "slack" }, publish.Contexts);
            var script = publish.Steps.Single(s => s.Kind == CiStepKind.Script);
            Assert.Equal("Publish", script.Name);
            Assert.StartsWith("echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\"", script.Script);
            Assert.Equal(17, script.ScriptLine); // the line after "command: |"
            Assert.Equal(CiShell.Posix, script.Shell);
            Assert.Equal("checkout", publish.Steps[0].ActionRef);
            Assert.Equal("20.11", publish.Facts["node-version"]);
            Assert.False(publish.RequestsOidc);
            Assert.Equal(CiGateKind.None, publish.Gate.Kind);
            // filters absent: every branch, no tags
            Assert.Equal(new[] { CiTriggerKind.Push }, publish.Triggers!.Select(t => t.Kind));
            Assert.Null(publish.Triggers![0].Detail);
            var nightly = defs[1];
            Assert.Equal(new[] { CiTriggerKind.Schedule }, nightly.Triggers.Select(t => t.Kind));
            Assert.Equal("0 3 * * *", nightly.Triggers[0].Detail);
        }

        [Fact]
        public void Tag_filters_count_only_when_every_required_job_runs_for_tags_too()
        {
            var d = Read("version: 2.1\n" + Jobs +
                "workflows:\n  ci:\n    jobs:\n" +
                "      - test:\n          filters: { tags: { only: /^v.*/ } }\n" +
                "      - publish:\n          requires: [test]\n          filters:\n            branches:\n              ignore: /.*/\n            tags:\n              only: /^v.*/\n");
            var publish = Job(d, "publish");
            Assert.Equal(new[] { CiTriggerKind.Tag }, publish.Triggers!.Select(t => t.Kind));
            Assert.Equal("tags: /^v.*/", publish.Triggers![0].Detail);
            // the same publish job behind a test job without tag filters never runs for a tag (nor a branch)
            var skipped = Read("version: 2.1\n" + Jobs +
                "workflows:\n  ci:\n    jobs:\n      - test\n" +
                "      - publish:\n          requires: [test]\n          filters:\n            branches:\n              ignore: /.*/\n            tags:\n              only: /^v.*/\n");
            Assert.Empty(Job(skipped, "publish").Triggers!);
            // branches.only narrows, and a job without filters inherits the branch filter of the job it requires
            var main = Read("version: 2.1\n" + Jobs +
                "workflows:\n  ci:\n    jobs:\n      - test:\n          filters: { branches: { only: [main, release] } }\n      - publish:\n          requires: [test]\n");
            Assert.Equal("branches: main, release", Job(main, "publish").Triggers!.Single().Detail);
        }

        [Fact]
        public void Approval_jobs_gate_every_job_downstream()
        {
            var d = Read("version: 2.1\n" + Jobs +
                "workflows:\n  release:\n    jobs:\n      - test\n" +
                "      - hold-release:\n          type: approval\n          requires: [test]\n" +
                "      - publish:\n          name: publish-npm\n          requires: [hold-release]\n" +
                "      - publish:\n          name: announce\n          requires: [publish-npm]\n");
            var hold = Job(d, "hold-release");
            Assert.Equal("approval", hold.Facts["type"]);
            Assert.Empty(hold.Steps);
            var publish = Job(d, "publish-npm");
            Assert.Equal("publish", publish.Name);
            Assert.Equal(CiGateKind.Approval, publish.Gate.Kind);
            Assert.Equal("hold-release", publish.Gate.Name);
            Assert.Equal(23, publish.Gate.Source.Line);
            Assert.Equal(CiGateKind.Approval, Job(d, "announce").Gate.Kind); // through publish-npm
            Assert.Equal(CiGateKind.None, Job(d, "test").Gate.Kind);
        }

        [Fact]
        public void Commands_are_expanded_with_parameters_and_executors_with_their_environment()
        {
            var d = Read(
                "version: 2.1\n" +
                "parameters:\n  registry:\n    type: string\n    default: https://registry.npmjs.org/\n" +
                "executors:\n  node:\n    parameters:\n      version: { type: string, default: '22.14' }\n    docker:\n      - image: cimg/node:<< parameters.version >>\n    environment:\n      NPM_CONFIG_PROVENANCE: 'false'\n    working_directory: ~/repo\n" +
                "commands:\n" +
                "  authenticate:\n    parameters:\n      token-var: { type: env_var_name, default: NPM_TOKEN }\n    steps:\n      - run: echo \"//registry.npmjs.org/:_authToken=${<< parameters.token-var >>}\" > ~/.npmrc\n" +
                "  release:\n    parameters:\n      tag: { type: string, default: latest }\n      dry: { type: boolean, default: false }\n    steps:\n      - authenticate:\n          token-var: NPM_PUBLISH_TOKEN\n" +
                "      - when:\n          condition: << parameters.dry >>\n          steps:\n            - run: npm publish --dry-run\n" +
                "      - unless:\n          condition: << parameters.dry >>\n          steps:\n            - run: npm publish --tag << parameters.tag >> --registry << pipeline.parameters.registry >>\n" +
                "jobs:\n  publish:\n    executor:\n      name: node\n      version: '24.1'\n    environment:\n      CI: 'true'\n    steps:\n      - checkout\n      - release:\n          tag: next\n" +
                "workflows:\n  main:\n    jobs: [publish]\n");
            var job = d.Jobs.Single();
            Assert.Equal("node", job.Facts["executor"]);
            Assert.Equal("cimg/node:24.1", job.Facts["image"]);
            Assert.Equal("24.1", job.Facts["node-version"]);
            Assert.Equal(new[] { "NPM_CONFIG_PROVENANCE", "CI" }, job.Env.Select(v => v.Name));
            Assert.All(job.Env, v => Assert.Null(v.SecretName));
            var scripts = job.Steps.Where(s => s.Kind == CiStepKind.Script).ToArray();
            Assert.Equal(2, scripts.Length); // the dry-run branch is dropped: dry is false
            Assert.Equal("echo \"//registry.npmjs.org/:_authToken=${NPM_PUBLISH_TOKEN}\" > ~/.npmrc", scripts[0].Script);
            Assert.Equal(20, scripts[0].ScriptLine); // written in the command, not in the job
            Assert.Equal("npm publish --tag next --registry https://registry.npmjs.org/", scripts[1].Script);
            Assert.Equal("~/repo", scripts[1].WorkingDirectory);
            Assert.Null(scripts[1].Condition);
        }

        [Fact]
        public void Conditions_that_depend_on_the_pipeline_are_kept_as_text()
        {
            var d = Read("version: 2.1\njobs:\n  publish:\n    docker: [{ image: cimg/base:current }]\n    steps:\n" +
                "      - when:\n          condition:\n            equal: [main, << pipeline.git.branch >>]\n          steps:\n            - run: npm publish\n" +
                "      - run:\n          command: echo failed\n          when: on_fail\n" +
                "workflows:\n  w:\n    jobs: [publish]\n");
            var steps = d.Jobs.Single().Steps;
            Assert.Equal("when: equal: [main, << pipeline.git.branch >>]", steps[0].Condition);
            Assert.Equal("when: on_fail", steps[1].Condition);
            Assert.Null(d.Jobs.Single().Facts.TryGetValue("node-version", out var v) ? v : null);
        }

        [Fact]
        public void A_workflow_started_by_a_pipeline_parameter_is_a_manual_start()
        {
            var d = Read("version: 2.1\nparameters:\n  release:\n    type: boolean\n    default: false\n" + Jobs +
                "workflows:\n  release:\n    when: << pipeline.parameters.release >>\n    jobs: [publish]\n");
            Assert.Equal(new[] { CiTriggerKind.Manual }, d.Triggers.Select(t => t.Kind));
            Assert.Equal("pipeline parameter release", d.Triggers[0].Detail);
            Assert.Equal("when: << pipeline.parameters.release >>", d.Jobs.Single().Condition);
            Assert.Equal(new[] { CiTriggerKind.Manual }, d.Jobs.Single().Triggers!.Select(t => t.Kind));
            var onByDefault = Read("version: 2.1\nparameters:\n  release:\n    type: boolean\n    default: true\n" + Jobs +
                "workflows:\n  release:\n    when: << pipeline.parameters.release >>\n    jobs: [publish]\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.Manual }, onByDefault.Triggers.Select(t => t.Kind));
        }

        [Fact]
        public void Orb_commands_and_jobs_are_actions_named_as_written_with_the_orb_in_the_facts()
        {
            var d = Read("version: 2.1\norbs:\n  node: circleci/node@5.2.0\n  npm-publisher: uraway/npm-publisher@0.2.0\n" +
                "jobs:\n  build:\n    executor:\n      name: node/default\n      tag: '18.17'\n    steps:\n      - checkout\n      - node/install-packages:\n          pkg-manager: npm\n      - restore_cache:\n          key: v1\n" +
                "workflows:\n  deploy:\n    jobs:\n      - build\n      - npm-publisher/publish-from-package-version:\n          name: publish_to_npm\n          publish-token-variable: NPM_TOKEN\n          requires: [build]\n          context: npm\n");
            var build = Job(d, "build");
            Assert.Equal("18.17", build.Facts["node-version"]);
            Assert.Equal("circleci/node@5.2.0", build.Facts["orb:node"]);
            Assert.Equal("restore_cache", build.Facts["cache"]);
            var install = build.Steps.Single(s => s.ActionRef == "node/install-packages");
            Assert.Equal("npm", install.Inputs["pkg-manager"]);
            var publish = Job(d, "publish_to_npm");
            Assert.Equal("npm-publisher/publish-from-package-version", publish.Name);
            Assert.Equal("uraway/npm-publisher@0.2.0", publish.Facts["orb:npm-publisher"]);
            var call = publish.Steps.Single();
            Assert.Equal("npm-publisher/publish-from-package-version", call.ActionRef);
            Assert.Equal("NPM_TOKEN", call.Inputs["publish-token-variable"]);
            Assert.Equal(new[] { "npm" }, publish.Contexts);
        }

        [Fact]
        public void Inline_orbs_are_expanded()
        {
            var d = Read("version: 2.1\norbs:\n  rel:\n    commands:\n      ship:\n        steps:\n          - run: npx semantic-release\n" +
                "jobs:\n  release:\n    docker: [{ image: 'node:22' }]\n    steps:\n      - rel/ship\nworkflows:\n  w:\n    jobs: [release]\n");
            var step = d.Jobs.Single().Steps.Single();
            Assert.Equal("npx semantic-release", step.Script);
            Assert.Equal(7, step.ScriptLine);
            Assert.Equal("22", d.Jobs.Single().Facts["node-version"]);
        }

        [Fact]
        public void Oidc_is_requested_where_the_job_mints_an_identity_token()
        {
            var d = Read("version: 2.1\njobs:\n  publish:\n    docker: [{ image: cimg/node:24.4 }]\n    steps:\n" +
                "      - run: |\n          echo \"export NPM_ID_TOKEN=$(circleci run oidc get --claims '{\\\"aud\\\": \\\"npm:registry.npmjs.org\\\"}')\" >> \"$BASH_ENV\"\n" +
                "      - run: npm publish\n" +
                "  plain:\n    docker: [{ image: cimg/node:24.4 }]\n    steps:\n      - run: npm publish\n" +
                "workflows:\n  w:\n    jobs:\n      - publish: { context: [npm-oidc] }\n      - plain: { context: [npm] }\n");
            var publish = Job(d, "publish");
            Assert.True(publish.RequestsOidc);
            Assert.Equal("npm:registry.npmjs.org", publish.OidcAudience);
            // a context alone is where secrets come from, not an OIDC request
            Assert.False(Job(d, "plain").RequestsOidc);
        }

        [Fact]
        public void Windows_executors_default_to_PowerShell_and_shell_overrides()
        {
            var d = Read("version: 2.1\njobs:\n  win:\n    machine:\n      image: windows-server-2022-gui:current\n    resource_class: windows.medium\n    steps:\n      - run: npm publish\n      - run:\n          shell: bash.exe\n          command: npm publish\n" +
                "  lin:\n    docker: [{ image: cimg/base:current }]\n    shell: /bin/bash -eo pipefail\n    steps:\n      - run: npm publish\n" +
                "workflows:\n  w:\n    jobs: [win, lin]\n");
            var win = Job(d, "win").Steps;
            Assert.Equal(CiShell.PowerShell, win[0].Shell);
            Assert.Equal(CiShell.Posix, win[1].Shell);
            Assert.Equal(CiShell.Posix, Job(d, "lin").Steps[0].Shell);
        }

        [Fact]
        public void Without_workflows_the_build_job_runs_on_every_push()
        {
            var d = Read("version: 2\njobs:\n  build:\n    docker: [{ image: circleci/node:12 }]\n    steps:\n      - run: npm publish\n  other:\n    docker: [{ image: circleci/node:12 }]\n    steps:\n      - run: npm publish\n");
            Assert.Null(d.Name);
            Assert.Equal("build", d.Jobs.Single().Id);
            Assert.Equal(new[] { CiTriggerKind.Push }, d.Jobs.Single().Triggers!.Select(t => t.Kind));
            Assert.Equal("12", d.Jobs.Single().Facts["node-version"]);
        }

        [Fact]
        public void Anchors_and_merge_keys_share_job_settings()
        {
            var d = Read("version: 2\ndefaults: &defaults\n  docker:\n    - image: circleci/node:10.15.3\n  working_directory: ~/repo\n" +
                "jobs:\n  deploy:\n    <<: *defaults\n    steps:\n      - run: npm publish\nworkflows:\n  version: 2\n  d:\n    jobs: [deploy]\n");
            var job = d.Jobs.Single();
            Assert.Equal("10.15.3", job.Facts["node-version"]);
            Assert.Equal("~/repo", job.Steps[0].WorkingDirectory);
        }

        [Fact]
        public void A_continuation_config_in_the_repository_is_read_and_a_missing_one_is_an_error()
        {
            const string setup = "version: 2.1\nsetup: true\norbs:\n  continuation: circleci/continuation@1.0.0\n" +
                "jobs:\n  setup:\n    docker: [{ image: cimg/base:current }]\n    steps:\n      - checkout\n      - continuation/continue:\n          configuration_path: .circleci/release.yml\n" +
                "workflows:\n  setup:\n    jobs: [setup]\n";
            var repo = new MemoryCiRepository().Add(File, setup)
                .Add(".circleci/release.yml", "version: 2.1\njobs:\n  publish:\n    docker: [{ image: cimg/node:22.14 }]\n    steps:\n      - run: npm publish\nworkflows:\n  release:\n    jobs: [publish]\n");
            var defs = ReadAll(repo);
            Assert.Equal(new[] { "setup", "release" }, defs.Select(d => d.Name));
            Assert.All(defs, d => Assert.Equal(File, d.File));
            Assert.All(defs, d => Assert.Equal(new[] { ".circleci/release.yml" }, d.IncludedFiles));
            var publish = defs[1].Jobs.Single().Steps.Single();
            Assert.Equal(".circleci/release.yml", publish.Source.File);
            Assert.Equal(6, publish.ScriptLine);

            var missing = Assert.Throws<CiDefinitionException>(() => ReadAll(new MemoryCiRepository().Add(File, setup)));
            Assert.Equal(File, missing.File);
            Assert.Equal(11, missing.Line);
            Assert.Contains(".circleci/release.yml", missing.Message);
        }

        [Fact]
        public void Unknown_steps_are_kept_and_matrix_jobs_can_be_required_by_their_expanded_names()
        {
            var d = Read("version: 2.1\njobs:\n  test:\n    parameters:\n      node: { type: string }\n    docker: [{ image: 'cimg/node:<< parameters.node >>' }]\n    steps:\n      - some_future_step\n      - run: npm test\n" +
                "  publish:\n    docker: [{ image: cimg/node:22.14 }]\n    steps:\n      - run: npm publish\n" +
                "workflows:\n  w:\n    jobs:\n      - test:\n          name: test-<< matrix.node >>\n          matrix:\n            parameters:\n              node: ['20.11', '22.14']\n      - publish:\n          requires: [test-22.14]\n");
            Assert.Equal("some_future_step", d.Jobs[0].Steps[0].ActionRef);
            Assert.Equal("npm test", d.Jobs[0].Steps[1].Script);
            Assert.Empty(Job(d, "publish").Needs);
        }

        [Fact]
        public void A_command_that_calls_itself_stops()
        {
            var d = Read("version: 2.1\ncommands:\n  loop:\n    steps:\n      - run: npm publish\n      - loop\njobs:\n  j:\n    docker: [{ image: cimg/base:current }]\n    steps: [loop]\nworkflows:\n  w:\n    jobs: [j]\n");
            var steps = d.Jobs.Single().Steps;
            Assert.Equal("npm publish", steps[0].Script);
            Assert.Equal("loop", steps[1].ActionRef); // kept as an opaque call, not expanded again
            Assert.Equal(2, steps.Count);
        }

        [Fact]
        public void A_run_written_as_a_list_of_lines_is_one_script_with_each_line_at_its_own_file_line()
        {
            // the held-out cc-plottable shape: "- run:" then the command lines as a YAML list at the same indentation
            var d = Read("version: 2\njobs:\n  publish:\n    docker: [{ image: x }]\n    steps:\n      - checkout\n" +
                "      - run:\n" +                                          // line 7
                "        - git diff --quiet || exit 1\n" +                 // line 8
                "        - echo -e \"$NPM_USER\\n$NPM_PASS\" | npm login\n" + // line 9
                "\n" +                                                      // line 10
                "        - npm publish\n" +                                 // line 11
                "      - run:\n          name: two\n          command:\n            - npm ci\n            - npm test\n" +
                "workflows:\n  version: 2\n  w:\n    jobs: [publish]\n");
            var steps = Job(d, "publish").Steps;
            Assert.Equal(3, steps.Count);
            Assert.Equal(8, steps[1].ScriptLine);
            Assert.Equal("git diff --quiet || exit 1\necho -e \"$NPM_USER\\n$NPM_PASS\" | npm login\n\nnpm publish", steps[1].Script);
            Assert.Equal(CiStepKind.Script, steps[2].Kind);
            Assert.Equal("two", steps[2].Name);
            Assert.Equal("npm ci\nnpm test", steps[2].Script);
            Assert.Empty(d.SkippedParts);
        }

        [Theory]
        [InlineData("      - run:\n          - npm ci\n          - { a: b }\n", "item 2")]
        [InlineData("      - run:\n          command: { a: b }\n", "a mapping")]
        [InlineData("      - run:\n          name: nothing to run\n", "no command")]
        [InlineData("      - run:\n", "no command")]
        public void A_run_step_in_a_shape_that_cannot_be_used_costs_only_that_step(string badStep, string words)
        {
            var d = Read("version: 2.1\njobs:\n  publish:\n    docker: [{ image: x }]\n    steps:\n" + // lines 1-5
                badStep +                                                                            // starts line 6
                "      - run: npm publish\n" +
                "workflows:\n  w:\n    jobs: [publish]\n");
            var steps = Job(d, "publish").Steps;
            Assert.Equal("npm publish", Assert.Single(steps).Script);
            var part = Assert.Single(d.SkippedParts);
            Assert.True(part.PartOnly);
            Assert.False(part.NotFound);
            Assert.Equal(File, part.File);
            Assert.Equal(6, part.Line);
            Assert.Contains(words, part.Message);
        }

        [Theory]
        [InlineData("version: 2.1\njobs:\n  a:\n    docker: [{ image: x }]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs: [a, missing]\n", 8, "missing")]
        [InlineData("version: 2.1\njobs:\n  a:\n    docker: [{ image: x }]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs:\n      - a:\n          requires: [nope]\n", 9, "nope")]
        [InlineData("version: 2.1\njobs:\n  a:\n    docker: [{ image: x }]\n    steps:\n      - run:\n        command: npm publish\nworkflows:\n  w:\n    jobs: [a]\n", 6, "one key")]
        [InlineData("- just\n- a list\n", 1, "mapping")]
        public void Broken_configurations_name_the_line(string yaml, int line, string words)
        {
            var e = Assert.Throws<CiDefinitionException>(() => ReadAll(yaml));
            Assert.Equal(File, e.File);
            Assert.Equal(line, e.Line);
            Assert.Contains(words, e.Message);
        }

        [Theory]
        [InlineData("export NPM_ID_TOKEN=$(circleci run oidc get --claims '{\"aud\":\"npm:registry.npmjs.org\"}')", "npm:registry.npmjs.org")]
        [InlineData("T=$(circleci run oidc get --claims \"{\\\"aud\\\": \\\"sts.amazonaws.com\\\"}\")", "sts.amazonaws.com")]
        [InlineData("circleci run oidc get", null)]
        [InlineData("echo aud: x", null)]
        public void Audience_from_claims(string script, string? audience) => Assert.Equal(audience, CircleCiReader.Audience(script));

        [Theory]
        [InlineData("cimg/node:22.14.0", "22.14.0")]
        [InlineData("node:20-alpine", "20")]
        [InlineData("circleci/node:12.18-browsers", "12.18")]
        [InlineData("registry.example.com:5000/node:lts", null)]
        [InlineData("cimg/base:2024.01", null)]
        [InlineData("node", null)]
        public void Node_version_from_an_image(string image, string? version) => Assert.Equal(version, CircleCiReader.NodeVersionOfImage(image));
    }
}
