using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines.AzurePipelines
{
    public class AzurePipelinesReaderTests
    {
        private static readonly AzurePipelinesReader Reader = new AzurePipelinesReader();

        private static CiDefinition Read(MemoryCiRepository repo, string file = "azure-pipelines.yml") => Reader.Read(repo, file).Single();

        private static CiDefinition Read(string yaml) => Read(new MemoryCiRepository().Add("azure-pipelines.yml", yaml));

        [Theory]
        [InlineData("azure-pipelines.yml", true)]
        [InlineData("azure-pipelines-release.yaml", true)]
        [InlineData("build/Azure-Pipelines.yml", true)]
        [InlineData(".azure-pipelines/templates/steps.yml", false)]
        [InlineData("pipelines.yml", false)]
        [InlineData("azure-pipelines.json", false)]
        public void Claims_azure_pipelines_files(string path, bool claimed) => Assert.Equal(claimed, Reader.Claims(path));

        [Fact]
        public void Implied_triggers_when_none_are_written()
        {
            var d = Read("steps:\n- script: echo hi\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.PullRequest }, d.Triggers.Select(t => t.Kind));
        }

        [Fact]
        public void Trigger_branches_tags_refs_tags_pr_none_schedules_and_resources()
        {
            var d = Read(
                "trigger:\n  branches:\n    include: [main, 'refs/tags/v*']\n    exclude: [dev]\n  tags:\n    include: ['release-*']\n" +
                "pr: none\n" +
                "schedules:\n- cron: '0 3 * * *'\n  branches: { include: [main] }\n" +
                "resources:\n  pipelines:\n  - pipeline: build\n    source: Lib-CI\n    trigger: true\n  - pipeline: quiet\n    source: Other\n" +
                "steps:\n- script: echo hi\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.Schedule, CiTriggerKind.Other }, d.Triggers.Select(t => t.Kind));
            Assert.Equal("branches: main, !dev", d.Triggers[0].Detail);
            Assert.Equal("tags: v*, release-*", d.Triggers[1].Detail);
            Assert.Equal(1, d.Triggers[0].Source.Line);
            Assert.Equal("0 3 * * *", d.Triggers[2].Detail);
            Assert.Equal("pipeline completion: Lib-CI", d.Triggers[3].Detail);

            Assert.Empty(Read("trigger: none\npr: none\nsteps:\n- script: echo\n").Triggers);
            var tagsOnly = Read("trigger:\n  tags:\n    include: ['v*']\npr:\n- main\nsteps:\n- script: echo\n");
            Assert.Equal(new[] { CiTriggerKind.Tag, CiTriggerKind.PullRequest }, tagsOnly.Triggers.Select(t => t.Kind));
            Assert.Equal("branches: main", tagsOnly.Triggers[1].Detail);
            var list = Read("trigger:\n- main\n- refs/tags/*\npr: none\nsteps:\n- script: echo\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag }, list.Triggers.Select(t => t.Kind));
        }

        [Fact]
        public void Steps_only_pipeline_is_one_job_with_script_shells_lines_and_env_secrets()
        {
            var d = Read(
                "pool:\n  vmImage: ubuntu-latest\n" +
                "variables:\n  registry: https://registry.npmjs.org\n  tokenCopy: $(NPM_TOKEN)\n" +
                "steps:\n" +
                "- task: NodeTool@0\n  inputs:\n    versionSpec: '22.x'\n" +
                "- script: |\n    npm ci\n    npm publish\n  displayName: Publish\n  env:\n    NODE_AUTH_TOKEN: $(NpmToken)\n    REG: $(registry)\n    SYS: $(System.AccessToken)\n    ID: $(Build.BuildId)\n" +
                "- bash: echo bash\n  workingDirectory: packages/a\n  condition: succeeded()\n" +
                "- pwsh: Write-Host pwsh\n" +
                "- powershell: Write-Host ps\n");
            var job = d.Jobs.Single();
            Assert.Equal("Job", job.Id);
            Assert.Equal("22.x", job.Facts["node-version"]);
            Assert.Equal("NPM_TOKEN", job.Env.Single(v => v.Name == "tokenCopy").SecretName);
            Assert.Null(job.Env.Single(v => v.Name == "registry").SecretName);
            var publish = job.Steps[1];
            Assert.Equal(CiStepKind.Script, publish.Kind);
            Assert.Equal("Publish", publish.Name);
            Assert.Equal(CiShell.Posix, publish.Shell);
            Assert.Equal("npm ci\nnpm publish\n", publish.Script);
            Assert.Equal(11, publish.ScriptLine);
            Assert.Equal("NpmToken", publish.Env.Single(v => v.Name == "NODE_AUTH_TOKEN").SecretName);
            Assert.Null(publish.Env.Single(v => v.Name == "REG").SecretName); // a plain YAML variable
            Assert.Equal("System.AccessToken", publish.Env.Single(v => v.Name == "SYS").SecretName);
            Assert.Null(publish.Env.Single(v => v.Name == "ID").SecretName); // predefined, not a secret
            Assert.Equal("packages/a", job.Steps[2].WorkingDirectory);
            Assert.Equal("succeeded()", job.Steps[2].Condition);
            Assert.Equal(CiShell.PowerShell, job.Steps[3].Shell);
            Assert.Equal(CiShell.PowerShell, job.Steps[4].Shell);
        }

        [Fact]
        public void Script_on_a_windows_pool_is_cmd()
        {
            var d = Read("pool:\n  vmImage: windows-latest\nsteps:\n- script: npm publish\n- bash: npm publish\n");
            Assert.Equal(CiShell.Cmd, d.Jobs[0].Steps[0].Shell);
            Assert.Equal(CiShell.Posix, d.Jobs[0].Steps[1].Shell);
        }

        [Fact]
        public void Npm_task_npmAuthenticate_and_script_tasks()
        {
            var d = Read(
                "steps:\n" +
                "- task: npmAuthenticate@0\n  inputs:\n    workingFile: .npmrc\n    customEndpoint: npmjs-publish\n" +
                "- task: Npm@1\n  displayName: npm publish\n  inputs:\n    command: publish\n    workingDir: dist\n    publishRegistry: useExternalRegistry\n    publishEndpoint: npmjs-publish\n" +
                "- task: Bash@3\n  inputs:\n    targetType: inline\n    script: |\n      npm publish --access public\n" +
                "- task: Bash@3\n  inputs:\n    filePath: scripts/release.sh\n" +
                "- task: PowerShell@2\n  inputs:\n    targetType: inline\n    pwsh: true\n    script: npm publish\n" +
                "- task: CmdLine@2\n  inputs:\n    script: npm publish\n" +
                "- task: Npm@1\n  enabled: false\n  inputs:\n    command: publish\n" +
                "- publish: $(Build.ArtifactStagingDirectory)\n  artifact: drop\n");
            var steps = d.Jobs[0].Steps;
            Assert.Equal(7, steps.Count); // the disabled task does not run
            Assert.Equal("npmAuthenticate@0", steps[0].ActionRef);
            Assert.Equal("npmjs-publish", steps[0].Inputs["customEndpoint"]);
            Assert.Equal("Npm@1", steps[1].ActionRef);
            Assert.Equal("publish", steps[1].Inputs["command"]);
            Assert.Equal("dist", steps[1].Inputs["workingDir"]);
            Assert.Equal(CiStepKind.Script, steps[2].Kind);
            Assert.Equal("npm publish --access public\n", steps[2].Script);
            Assert.Equal(17, steps[2].ScriptLine);
            Assert.Equal(CiStepKind.Action, steps[3].Kind); // a script file is not inline text
            Assert.Equal("scripts/release.sh", steps[3].Inputs["filePath"]);
            Assert.Equal(CiShell.PowerShell, steps[4].Shell);
            Assert.Equal("npm publish", steps[4].Script);
            Assert.Equal(CiStepKind.Script, steps[5].Kind);
            Assert.Equal("PublishPipelineArtifact@1", steps[6].ActionRef); // a pipeline artifact, not npm
        }

        [Fact]
        public void Stages_jobs_dependencies_conditions_groups_and_implicit_stage_order()
        {
            var d = Read(
                "variables:\n- group: npm-secrets\n- name: CI\n  value: 'true'\n" +
                "stages:\n" +
                "- stage: Build\n  jobs:\n  - job: Compile\n    steps:\n    - script: npm ci\n  - job: Test\n    dependsOn: Compile\n    steps:\n    - script: npm test\n" +
                "- stage: Release\n  condition: eq(variables['Build.SourceBranch'], 'refs/heads/main')\n  variables:\n    NPM_TOKEN: $(npmToken)\n  jobs:\n  - job: Publish\n    displayName: Publish to npm\n    condition: succeeded()\n    steps:\n    - script: npm publish\n");
            Assert.Equal(new[] { "Build/Compile", "Build/Test", "Release/Publish" }, d.Jobs.Select(j => j.Id));
            Assert.Equal(new[] { "Build/Compile" }, d.Jobs[1].Needs);
            Assert.Equal(new[] { "Build/Compile", "Build/Test" }, d.Jobs[2].Needs); // a stage waits for the one before it
            var publish = d.Jobs[2];
            Assert.Equal("Publish to npm", publish.Name);
            Assert.Equal("and(eq(variables['Build.SourceBranch'], 'refs/heads/main'), succeeded())", publish.Condition);
            Assert.Equal(new[] { "npm-secrets" }, publish.Contexts);
            Assert.Equal("npmToken", publish.Env.Single(v => v.Name == "NPM_TOKEN").SecretName);
            Assert.Contains(publish.Env, v => v.Name == "CI");
            Assert.DoesNotContain(d.Jobs[0].Env, v => v.Name == "NPM_TOKEN"); // stage variables stay in their stage
            Assert.Equal("CI", d.Env.Single().Name);
        }

        [Fact]
        public void Deployment_job_steps_from_every_hook_and_the_environment_gate()
        {
            var d = Read(
                "jobs:\n" +
                "- deployment: PublishNpm\n  environment: npmjs.production\n  strategy:\n    runOnce:\n      preDeploy:\n        steps:\n        - script: npm ci\n      deploy:\n        steps:\n        - script: npm publish\n      on:\n        success:\n          steps:\n          - script: echo done\n" +
                "- job: After\n  dependsOn: PublishNpm\n  steps:\n  - script: echo after\n" +
                "- job: Anyway\n  dependsOn: PublishNpm\n  condition: always()\n  steps:\n  - script: echo anyway\n");
            var deploy = d.Jobs[0];
            Assert.Equal(CiGateKind.Environment, deploy.Gate.Kind);
            Assert.Equal("npmjs", deploy.Gate.Name);
            Assert.Equal(new[] { "npm ci", "npm publish", "echo done" }, deploy.Steps.Select(s => s.Script));
            Assert.Equal(new[] { "PublishNpm" }, d.Jobs[1].Needs); // the finder carries the environment's gate along needs
            var mapped = Read("jobs:\n- deployment: D\n  environment:\n    name: prod\n    resourceType: VirtualMachine\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n        - script: x\n");
            Assert.Equal("prod", mapped.Jobs[0].Gate.Name);
        }

        [Fact]
        public void Manual_validation_job_is_an_approval_for_what_follows()
        {
            var d = Read(
                "stages:\n" +
                "- stage: Approve\n  jobs:\n  - job: WaitForApproval\n    pool: server\n    steps:\n    - task: ManualValidation@1\n      inputs:\n        notifyUsers: releasers\n" +
                "- stage: Publish\n  jobs:\n  - job: Npm\n    steps:\n    - script: npm publish\n");
            var approval = d.Jobs.Single(j => j.Id == "Approve/WaitForApproval");
            Assert.Equal(CiGateKind.Approval, approval.Gate.Kind);
            Assert.Equal("Approve/WaitForApproval", approval.Gate.Name);
            Assert.Equal(new[] { "Approve/WaitForApproval" }, d.Jobs.Single(j => j.Id == "Publish/Npm").Needs);
            var independent = Read(
                "stages:\n- stage: Approve\n  jobs:\n  - job: W\n    pool: server\n    steps:\n    - task: ManualValidation@0\n" +
                "- stage: Publish\n  dependsOn: []\n  jobs:\n  - job: Npm\n    steps:\n    - script: npm publish\n");
            Assert.Empty(independent.Jobs.Single(j => j.Id == "Publish/Npm").Needs);
        }

        [Fact]
        public void Step_job_stage_and_variable_templates_with_parameters()
        {
            var repo = new MemoryCiRepository()
                .Add("azure-pipelines.yml",
                    "variables:\n- template: ci/vars.yml\n" +
                    "stages:\n- template: ci/stages.yml\n  parameters:\n    publish: true\n")
                .Add("ci/vars.yml", "variables:\n- name: REGISTRY\n  value: https://registry.npmjs.org\n- group: release\n")
                .Add("ci/stages.yml",
                    "parameters:\n- name: publish\n  type: boolean\n  default: false\n- name: tag\n  default: latest\n" +
                    "stages:\n- stage: Release\n  jobs:\n  - template: jobs/publish.yml\n    parameters:\n      tag: ${{ parameters.tag }}\n")
                .Add("ci/jobs/publish.yml",
                    "parameters:\n  tag: next\n" +
                    "jobs:\n- job: Publish\n  steps:\n  - template: ../steps/npm.yml\n    parameters:\n      command: npm publish --tag ${{ parameters.tag }}\n")
                .Add("ci/steps/npm.yml",
                    "parameters:\n- name: command\n  type: string\n" +
                    "steps:\n- script: npm ci\n- ${{ if ne(parameters.command, '') }}:\n  - script: ${{ parameters.command }}\n    displayName: run\n");
            var d = Read(repo);
            var job = d.Jobs.Single();
            Assert.Equal("Release/Publish", job.Id);
            Assert.Equal(new[] { "npm ci", "npm publish --tag latest" }, job.Steps.Select(s => s.Script));
            // the command came from the caller's file: its line is counted there
            Assert.Equal("ci/jobs/publish.yml", job.Steps[1].Source.File);
            Assert.Equal(8, job.Steps[1].ScriptLine);
            Assert.Equal(new[] { "release" }, job.Contexts);
            Assert.Contains(job.Env, v => v.Name == "REGISTRY");
            Assert.Equal(new[] { "ci/vars.yml", "ci/stages.yml", "ci/jobs/publish.yml", "ci/steps/npm.yml" }, d.IncludedFiles);
        }

        [Fact]
        public void Step_list_parameters_and_each_loops_are_inserted()
        {
            var repo = new MemoryCiRepository()
                .Add("azure-pipelines.yml",
                    "extends:\n  template: /templates/secure.yml\n  parameters:\n    buildSteps:\n    - script: npm ci\n    - script: npm publish\n      env:\n        NODE_AUTH_TOKEN: $(NPM_TOKEN)\n")
                .Add("templates/secure.yml",
                    "parameters:\n- name: buildSteps\n  type: stepList\n  default: []\n" +
                    "jobs:\n- job: Secure\n  steps:\n  - script: echo before\n  - ${{ each step in parameters.buildSteps }}:\n    - ${{ step }}\n  - ${{ parameters.buildSteps }}\n");
            var d = Read(repo);
            var steps = d.Jobs.Single().Steps;
            Assert.Equal(new[] { "echo before", "npm ci", "npm publish", "npm ci", "npm publish" }, steps.Select(s => s.Script));
            Assert.Equal("NPM_TOKEN", steps[2].Env.Single().SecretName);
            Assert.Equal("azure-pipelines.yml", steps[2].Source.File);
            Assert.Equal(new[] { "templates/secure.yml" }, d.IncludedFiles);
        }

        [Fact]
        public void Remote_templates_are_noted_and_their_parameters_read()
        {
            var d = Read(
                "resources:\n  repositories:\n  - repository: templates\n    type: git\n    name: Shared/Templates\n" +
                "extends:\n  template: v1/Official.yml@templates\n  parameters:\n    sdl: { enabled: true }\n    stages:\n    - stage: Publish\n      jobs:\n      - job: Npm\n        steps:\n        - template: steps/auth.yml@templates\n        - script: npm publish\n");
            Assert.Equal(new[] { "v1/Official.yml@templates", "steps/auth.yml@templates" }, d.RemoteIncludes);
            var job = d.Jobs.Single();
            Assert.Equal("Publish/Npm", job.Id);
            Assert.Equal("template:steps/auth.yml@templates", job.Steps[0].ActionRef);
            Assert.Equal("npm publish", job.Steps[1].Script);
        }

        [Fact]
        public void Missing_template_costs_only_its_own_items_and_is_reported_once_at_its_first_reference()
        {
            // the held-out az-task-lib shape: step templates the checkout lacks, and an npm publish written in the file
            var repo = new MemoryCiRepository().Add("azure-pipelines.yml",
                "jobs:\n" +
                "- job: linux\n" +
                "  steps:\n" +
                "  - script: echo\n" +
                "  - template: steps/missing.yml\n" +
                "    parameters:\n" +
                "      nodeVersion: 16\n" +
                "  - bash: npm publish\n" +
                "- job: mac\n" +
                "  steps:\n" +
                "  - template: steps/missing.yml\n" +
                "- template: jobs/also-missing.yml\n");
            var d = Read(repo);
            Assert.Equal(new[] { "linux", "mac", "template:jobs/also-missing.yml" }, d.Jobs.Select(j => j.Id).ToArray());
            var linux = d.Jobs[0];
            Assert.Equal(new[] { "echo", null, "npm publish" }, linux.Steps.Select(s => s.Script).ToArray());
            Assert.Equal("template:steps/missing.yml", linux.Steps[1].ActionRef);
            Assert.Equal(2, d.SkippedParts.Count);
            var first = d.SkippedParts[0];
            Assert.True(first.PartOnly);
            Assert.True(first.NotFound);
            Assert.Equal("azure-pipelines.yml", first.File);
            Assert.Equal(5, first.Line);
            Assert.Contains("steps/missing.yml", first.Message);
            Assert.Equal(12, d.SkippedParts[1].Line);
            Assert.Contains("jobs/also-missing.yml", d.SkippedParts[1].Message);
            Assert.Empty(d.IncludedFiles);
            Assert.Empty(d.RemoteIncludes);
        }

        [Fact]
        public void Missing_extends_or_variables_template_keeps_the_rest_of_the_pipeline()
        {
            var repo = new MemoryCiRepository().Add("azure-pipelines.yml",
                "variables:\n" +
                "- template: vars/missing.yml\n" +
                "- name: a\n" +
                "  value: b\n" +
                "extends:\n" +
                "  template: base/missing.yml\n" +
                "  parameters:\n" +
                "    steps:\n" +
                "    - script: npm publish\n");
            var d = Read(repo);
            Assert.Contains(d.Jobs.SelectMany(j => j.Steps), s => s.Script == "npm publish");
            Assert.Contains(d.Env, v => v.Name == "a" && v.Value == "b");
            Assert.Equal(new[] { 2, 6 }, d.SkippedParts.Select(p => p.Line).ToArray());
            Assert.All(d.SkippedParts, p => Assert.True(p.PartOnly && p.NotFound));
        }

        [Fact]
        public void Template_cycles_stop_with_an_error()
        {
            var repo = new MemoryCiRepository()
                .Add("azure-pipelines.yml", "steps:\n- template: a.yml\n")
                .Add("a.yml", "steps:\n- template: b.yml\n")
                .Add("b.yml", "steps:\n- template: a.yml\n");
            var error = Assert.Throws<CiDefinitionException>(() => Read(repo));
            Assert.Equal("b.yml", error.File);
            Assert.Contains("cycle", error.Message);
        }

        [Fact]
        public void Template_outside_the_repository_is_refused()
        {
            var repo = new MemoryCiRepository().Add("azure-pipelines.yml", "steps:\n- template: ../../etc/passwd.yml\n");
            var error = Assert.Throws<CiDefinitionException>(() => Read(repo));
            Assert.Contains("outside the repository", error.Message);
        }

        [Fact]
        public void A_pipeline_that_is_not_a_mapping_is_an_error()
        {
            var error = Assert.Throws<CiDefinitionException>(() => Read("- script: npm publish\n"));
            Assert.Equal("azure-pipelines.yml", error.File);
        }

        [Fact]
        public void Conditional_keys_inside_a_step_are_read()
        {
            var d = Read("steps:\n- script: npm publish\n  ${{ if eq(variables['Build.SourceBranch'], 'refs/heads/main') }}:\n    env:\n      NODE_AUTH_TOKEN: $(NPM_TOKEN)\n");
            Assert.Equal("NPM_TOKEN", d.Jobs[0].Steps[0].Env.Single().SecretName);
        }

        [Fact]
        public void Credential_macros_in_a_script_are_bound_to_the_step()
        {
            var d = Read(
                "variables:\n  plainToken: not-a-secret\n" +
                "steps:\n- script: |\n    echo \"//registry.npmjs.org/:_authToken=$(NpmPublishToken)\" > .npmrc\n    echo $(plainToken) $(Build.BuildId) $(System.AccessToken) $(version)\n");
            var env = d.Jobs[0].Steps[0].Env;
            Assert.Equal(new[] { "NpmPublishToken", "System.AccessToken" }, env.Select(v => v.Name));
            Assert.Equal("NpmPublishToken", env[0].SecretName);
            Assert.Null(env[0].Value);
        }

        [Fact]
        public void Container_image_gives_the_node_version()
        {
            var d = Read("jobs:\n- job: A\n  container: node:22.14-bookworm\n  steps:\n  - script: npm publish\n");
            Assert.Equal("22.14", d.Jobs[0].Facts["node-version"]);
        }
    }
}
