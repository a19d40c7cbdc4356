using System;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Groovy;

namespace NpmHardening.Engine.Tests.Pipelines.Jenkins
{
    public class JenkinsReaderTests
    {
        private static CiDefinition Read(string text) => JenkinsTestRepository.Read(text);

        private static CiJob Job(CiDefinition d, string id)
        {
            var job = d.Jobs.FirstOrDefault(j => j.Id == id);
            Assert.True(job != null, "no job " + id + " in\n" + JenkinsDump.Describe(d));
            return job!;
        }

        private static CiStep Step(CiDefinition d, string scriptStart)
        {
            var step = d.Jobs.SelectMany(j => j.Steps).FirstOrDefault(s => s.Script != null && s.Script.TrimStart().StartsWith(scriptStart, StringComparison.Ordinal));
            Assert.True(step != null, "no step " + scriptStart + " in\n" + JenkinsDump.Describe(d));
            return step!;
        }

        [Theory]
        [InlineData("Jenkinsfile", true)]
        [InlineData("ci/jenkinsfile", true)]
        [InlineData("Jenkinsfile.release", true)]
        [InlineData("Jenkinsfile.groovy", true)]
        [InlineData("release.Jenkinsfile", true)]
        [InlineData("ci/nightly.jenkinsfile", true)]
        [InlineData("jenkins/release.groovy", true)]
        [InlineData(".jenkins/publish.groovy", true)]
        [InlineData("Jenkinsfile.md", false)]
        [InlineData("Jenkinsfile.yml", false)]
        [InlineData("vars/publish.groovy", false)]
        [InlineData("src/Release.groovy", false)]
        [InlineData("jenkins/vars/x.groovy", false)]
        [InlineData("node_modules/pkg/Jenkinsfile", false)]
        [InlineData("JenkinsfileBackup", false)]
        [InlineData(".jenkinsfile", false)]
        public void Claims_jenkinsfiles_and_pipeline_scripts_only(string path, bool claimed)
        {
            Assert.Equal(claimed, new JenkinsReader().Claims(path));
        }

        [Fact]
        public void A_helper_script_in_a_jenkins_folder_without_a_pipeline_yields_nothing()
        {
            var repo = new JenkinsTestRepository()
                .Add("jenkins/utils.groovy", "def publish() { sh 'npm publish' }\nreturn this\n")
                .Add("jenkins/release.groovy", "node { stage('P') { sh 'npm publish' } }");
            Assert.Empty(new JenkinsReader().Read(repo, "jenkins/utils.groovy"));
            Assert.Single(new JenkinsReader().Read(repo, "jenkins/release.groovy"));
        }

        private const string Declarative = @"pipeline {
    agent { docker { image 'node:22' } }
    environment {
        NPM_TOKEN = credentials('npm-token')
        REGISTRY = ""https://registry.npmjs.org/""
    }
    triggers { cron('H 4 * * *') }
    stages {
        stage('Build') {
            steps {
                sh 'npm ci'
                sh(script: ""npm run build -- --tag ${env.TAG}"", label: 'build')
                bat 'npm test'
                powershell 'npm pack'
                pwsh(script: 'npm ls')
            }
        }
        stage('Release') {
            when { tag 'v*' }
            stages {
                stage('Publish') {
                    input {
                        message 'Publish to npm?'
                        id 'publish'
                    }
                    environment { OTHER = credentials(""other-id"") }
                    steps {
                        withCredentials([string(credentialsId: 'npm', variable: 'NPM_TOKEN'),
                                         usernamePassword(credentialsId: 'up', usernameVariable: 'U', passwordVariable: 'P'),
                                         file(credentialsId: 'rc', variable: 'NPMRC'),
                                         [$class: 'StringBinding', credentialsId: 'legacy', variable: 'OLD']]) {
                            dir('packages/lib') {
                                sh """"""
                                    echo //registry.npmjs.org/:_authToken=\${NPM_TOKEN} > .npmrc
                                    npm publish --access public
                                """"""
                            }
                        }
                        withEnv(['NODE_ENV=production', ""TAG=${env.TAG_NAME}""]) {
                            sh 'npm run after'
                        }
                        configFileProvider([configFile(fileId: 'npmjs-rc', targetLocation: '.npmrc', variable: 'RCFILE')]) {
                            sh 'npm run with-rc'
                        }
                    }
                }
            }
        }
        stage('Checks') {
            parallel {
                stage('PR only') { when { changeRequest() } steps { sh 'echo pr' } }
                stage('Not PR') { when { not { changeRequest() } } steps { sh 'echo not-pr' } }
                stage('Main') { when { branch 'main' } steps { sh 'echo main' } }
            }
        }
    }
    post {
        always { sh 'echo always' }
        success { sh 'echo success' }
    }
}
";

        [Fact]
        public void Declarative_stages_become_jobs_named_by_their_path()
        {
            var d = Read(Declarative);
            Assert.Equal(new[] { "Build", "Release/Publish", "Checks/PR only", "Checks/Not PR", "Checks/Main", "post/always", "post/success" },
                d.Jobs.Select(j => j.Id));
            Assert.Equal(9, Job(d, "Build").Source.Line);
            Assert.Equal("Publish", Job(d, "Release/Publish").Name);
        }

        [Fact]
        public void Script_steps_get_their_shell_script_and_lines()
        {
            var d = Read(Declarative);
            var build = Job(d, "Build").Steps;
            Assert.Equal(new[] { CiShell.Posix, CiShell.Posix, CiShell.Cmd, CiShell.PowerShell, CiShell.PowerShell }, build.Select(s => s.Shell));
            Assert.All(build, s => Assert.Equal(CiStepKind.Script, s.Kind));
            Assert.Equal(new[] { "npm ci", "npm run build -- --tag ${env.TAG}", "npm test", "npm pack", "npm ls" }, build.Select(s => s.Script));
            Assert.Equal(new[] { 11, 12, 13, 14, 15 }, build.Select(s => s.ScriptLine));
            Assert.Equal("build", build[1].Name);

            // a triple-quoted script starts on the line after its quotes; \$ reaches the shell as $
            var publish = Step(d, "echo //registry");
            Assert.Equal(33, publish.Source.Line);
            Assert.Equal(34, publish.ScriptLine);
            var lines = publish.Script!.Split('\n');
            Assert.Equal("echo //registry.npmjs.org/:_authToken=${NPM_TOKEN} > .npmrc", lines[0].Trim());
            Assert.Equal("npm publish --access public", lines[1].Trim());
            Assert.Equal("packages/lib", publish.WorkingDirectory);
        }

        [Fact]
        public void Environment_credentials_bind_at_pipeline_or_stage_level()
        {
            var d = Read(Declarative);
            var token = d.Env.Single(v => v.Name == "NPM_TOKEN");
            Assert.Equal("npm-token", token.SecretName);
            Assert.Equal(4, token.Source.Line);
            var registry = d.Env.Single(v => v.Name == "REGISTRY");
            Assert.Null(registry.SecretName);
            Assert.Equal("https://registry.npmjs.org/", registry.Value);

            var stageEnv = Job(d, "Release/Publish").Env.Single();
            Assert.Equal(("OTHER", "other-id"), (stageEnv.Name, stageEnv.SecretName));
            Assert.Empty(Job(d, "Build").Env);
        }

        [Fact]
        public void WithCredentials_binds_every_variable_to_its_credential_for_the_enclosed_steps_only()
        {
            var d = Read(Declarative);
            var publish = Step(d, "echo //registry");
            Assert.Equal(new[] { "NPM_TOKEN=npm", "U=up", "P=up", "NPMRC=rc", "OLD=legacy" }, publish.Env.Select(v => v.Name + "=" + v.SecretName));
            Assert.All(publish.Env, v => Assert.Null(v.Value));
            Assert.DoesNotContain(Step(d, "npm run after").Env, v => v.SecretName != null);
            Assert.Empty(Step(d, "npm ci").Env);
        }

        [Fact]
        public void WithEnv_sets_plain_variables()
        {
            var env = Step(Read(Declarative), "npm run after").Env;
            Assert.Equal(new[] { "NODE_ENV=production", "TAG=${env.TAG_NAME}" }, env.Select(v => v.Name + "=" + v.Value));
        }

        [Fact]
        public void ConfigFileProvider_writing_an_npmrc_is_an_action_before_the_enclosed_steps()
        {
            var steps = Job(Read(Declarative), "Release/Publish").Steps;
            int action = steps.ToList().FindIndex(s => s.Kind == CiStepKind.Action);
            Assert.True(action >= 0);
            var step = steps[action];
            Assert.Equal("configFileProvider", step.ActionRef);
            Assert.Equal("npmjs-rc", step.Inputs["fileId"]);
            Assert.Equal(".npmrc", step.Inputs["targetLocation"]);
            Assert.Equal("true", step.Inputs["npmrc"]);
            Assert.Equal("npm run with-rc", steps[action + 1].Script);
            Assert.Equal("RCFILE", steps[action + 1].Env.Single().Name);
        }

        [Fact]
        public void Input_directive_is_a_manual_gate_named_by_its_message()
        {
            var d = Read(Declarative);
            var gate = Job(d, "Release/Publish").Gate;
            Assert.Equal(CiGateKind.Manual, gate.Kind);
            Assert.Equal("Publish to npm?", gate.Name);
            Assert.Equal(22, gate.Source.Line);
            Assert.Equal(CiGateKind.None, Job(d, "Build").Gate.Kind);
        }

        [Fact]
        public void When_conditions_narrow_the_triggers_of_a_stage_and_its_children()
        {
            var d = Read(Declarative);
            var release = Job(d, "Release/Publish");
            Assert.Equal("Tag:v*", string.Join(",", release.Triggers!.Select(t => t.Kind + ":" + t.Detail)));
            Assert.Equal("tag 'v*'", release.Condition);
            Assert.Null(Job(d, "Build").Triggers);
            Assert.Equal(CiTriggerKind.PullRequest, Job(d, "Checks/PR only").Triggers!.Single().Kind);
            Assert.Equal("main", Job(d, "Checks/Main").Triggers!.Single(t => t.Kind == CiTriggerKind.Push).Detail);
            var notPr = Job(d, "Checks/Not PR").Triggers!;
            Assert.DoesNotContain(notPr, t => t.Kind == CiTriggerKind.PullRequest);
            Assert.Contains(notPr, t => t.Kind == CiTriggerKind.Push);
        }

        [Fact]
        public void Definition_triggers_are_branches_pull_requests_never_fork_pull_requests_and_declared_ones()
        {
            var d = Read(Declarative);
            var kinds = d.Triggers.Select(t => t.Kind).ToList();
            Assert.Contains(CiTriggerKind.Push, kinds);
            Assert.Contains(CiTriggerKind.PullRequest, kinds);
            Assert.Contains(CiTriggerKind.Tag, kinds); // the file tests for tags
            Assert.DoesNotContain(CiTriggerKind.ForkPullRequest, kinds);
            var cron = d.Triggers.Single(t => t.Kind == CiTriggerKind.Schedule);
            Assert.Equal("H 4 * * *", cron.Detail);
            Assert.Equal(7, cron.Source.Line);

            var plain = Read("pipeline { agent any; stages { stage('a') { steps { sh 'x' } } } }");
            Assert.DoesNotContain(plain.Triggers, t => t.Kind == CiTriggerKind.Tag);
        }

        [Fact]
        public void Post_conditions_that_run_after_an_abort_are_not_gated()
        {
            var gated = Read(@"pipeline {
  agent any
  stages {
    stage('Approve') { steps { input 'Ship it?' } }
    stage('Ship') { steps { sh 'npm publish' } }
  }
  post {
    always { sh 'npm publish --tag always' }
    success { sh 'npm publish --tag ok' }
  }
}");
            Assert.Equal(CiGateKind.Manual, Job(gated, "Ship").Gate.Kind);
            Assert.Equal("Ship it?", Job(gated, "Ship").Gate.Name);
            Assert.Equal(CiGateKind.None, Job(gated, "post/always").Gate.Kind);
            Assert.Equal(CiGateKind.Manual, Job(gated, "post/success").Gate.Kind);
        }

        [Fact]
        public void An_input_in_a_conditional_stage_does_not_gate_later_stages()
        {
            var d = Read(@"pipeline {
  agent any
  stages {
    stage('Approve') { when { branch 'release' } steps { input 'Ship it?' } }
    stage('Ship') { steps { sh 'npm publish' } }
  }
}");
            Assert.Equal(CiGateKind.None, Job(d, "Ship").Gate.Kind);
        }

        [Fact]
        public void An_input_step_before_the_publish_in_the_same_stage_gates_it_one_after_does_not_gate_earlier_stages()
        {
            var d = Read(@"pipeline {
  agent any
  stages {
    stage('Release') {
      steps {
        sh 'npm ci'
        input message: 'Publish?', id: 'go'
        sh 'npm publish'
      }
    }
  }
}");
            Assert.Equal(CiGateKind.Manual, Job(d, "Release").Gate.Kind);
            Assert.Equal("Publish?", Job(d, "Release").Gate.Name);
            Assert.Equal(7, Job(d, "Release").Gate.Source.Line);
        }

        private const string Scripted = @"#!groovy
def publishTo(String registry) {
    sh ""npm publish --registry ${registry}""
}

node('linux') {
    stage('Checkout') {
        checkout scm
    }
    stage('Install') {
        sh 'npm ci'
    }
    if (env.BRANCH_NAME == 'main') {
        timeout(time: 10, unit: 'MINUTES') {
            input 'Release?'
        }
        stage('Publish') {
            withCredentials([string(credentialsId: 'npm', variable: 'NPM_TOKEN')]) {
                publishTo('https://registry.npmjs.org/')
            }
        }
    }
    try {
        input 'Deploy docs?'
    } catch (err) {
        echo 'skipped'
    }
    stage('Docs') {
        def out = sh(script: 'npm run docs', returnStdout: true).trim()
        sh script: '''
            |npm run a
            |npm run b
        '''.stripMargin(), label: 'margins'
        sh 'echo ' + out + "" done""
    }
    stage 'Old style'
    sh 'npm run old'
    parallel a: { sh 'echo a' }, b: { sh 'echo b' }
}
";

        [Fact]
        public void Scripted_stages_methods_and_wrappers_are_followed()
        {
            var d = Read(Scripted);
            Assert.Equal(new[] { "Checkout", "Install", "Publish", "Docs", "Old style" }, d.Jobs.Select(j => j.Id));
            var publish = Step(d, "npm publish");
            Assert.Equal("npm publish --registry ${registry}", publish.Script);
            Assert.Equal(3, publish.Source.Line); // where the step is written, inside the helper
            Assert.Equal("NPM_TOKEN", publish.Env.Single().Name);
            Assert.Contains(publish, Job(d, "Publish").Steps);
            Assert.Equal(new[] { "npm run old", "echo a", "echo b" }, Job(d, "Old style").Steps.Select(s => s.Script));
        }

        [Fact]
        public void Scripted_if_on_the_branch_narrows_triggers_and_is_kept_as_the_condition()
        {
            var d = Read(Scripted);
            var publish = Job(d, "Publish");
            Assert.Equal("env.BRANCH_NAME == 'main'", publish.Condition);
            Assert.Equal("main", publish.Triggers!.Single().Detail);
            Assert.Equal(CiTriggerKind.Push, publish.Triggers!.Single().Kind);
        }

        [Fact]
        public void Scripted_input_in_a_timeout_gates_what_follows_but_not_outside_its_if_and_not_from_a_try_with_catch()
        {
            var d = Read(Scripted);
            Assert.Equal(CiGateKind.Manual, Job(d, "Publish").Gate.Kind);
            Assert.Equal("Release?", Job(d, "Publish").Gate.Name);
            Assert.Equal(CiGateKind.None, Job(d, "Install").Gate.Kind);
            Assert.Equal(CiGateKind.None, Job(d, "Docs").Gate.Kind);
        }

        [Fact]
        public void Scripts_from_named_arguments_concatenation_and_string_methods()
        {
            var d = Read(Scripted);
            Assert.Equal("npm run docs", Step(d, "npm run docs").Script);
            var margins = Step(d, "npm run a");
            Assert.Equal("margins", margins.Name);
            Assert.Equal("npm run a\nnpm run b\n        ", margins.Script);
            Assert.Equal(31, margins.ScriptLine);
            Assert.Equal("echo ${out} done", Step(d, "echo ${out}").Script);
        }

        [Fact]
        public void Steps_outside_any_stage_go_to_one_job()
        {
            var d = Read("node {\n  sh 'npm ci'\n  sh 'npm publish'\n}\n");
            var job = d.Jobs.Single();
            Assert.Equal("(no stage)", job.Id);
            Assert.Equal(2, job.Steps.Count);
        }

        [Fact]
        public void Unknown_constructs_are_skipped()
        {
            var d = Read(@"import groovy.json.JsonSlurper
@Library('shared@v1') _
class Helper implements Serializable { def run(steps) { steps.sh 'inside class' } }
Map<String, List<String>> table = [a: ['x'], (key): 1]
def (first, second) = [1, 2]
String version = readFile('VERSION').trim()
final String REG = 'https://registry.npmjs.org/'
label: for (int i = 0; i < 3; i++) { echo ""${i}"" }
pipeline {
  agent any
  options { buildDiscarder(logRotator(numToKeepStr: '5')); disableConcurrentBuilds() }
  tools { nodejs 'node22' }
  stages {
    stage('x') {
      steps {
        script {
          def list = [1, 2].collect { n -> n * 2 }
          switch (env.BRANCH_NAME) { case 'main': echo 'm'; break; default: echo 'd' }
          unknownStep foo: 'bar' { sh 'npm run a' }
          currentBuild.description = ""v${version}""
          sh ""npm publish --registry ${REG}""
        }
      }
    }
  }
}
");
            Assert.Contains(d.Jobs.Single().Steps, s => s.Script == "npm publish --registry https://registry.npmjs.org/" || s.Script == "npm publish --registry ${REG}");
        }

        [Fact]
        public void Allman_braces_and_semicolons_are_read()
        {
            var d = Read("pipeline\n{\n  agent any\n  stages\n  {\n    stage('A')\n    {\n      steps\n      {\n        sh 'npm ci'; sh 'npm test'\n      }\n    }\n  }\n}\n");
            Assert.Equal(new[] { "npm ci", "npm test" }, Job(d, "A").Steps.Select(s => s.Script));
        }

        [Fact]
        public void A_simple_string_variable_is_resolved_into_a_script()
        {
            var d = Read("def cmd = 'npm publish --access public'\nnode { stage('p') { sh cmd } }");
            Assert.Equal("npm publish --access public", Step(d, "npm publish").Script);
        }

        [Fact]
        public void Errors_name_the_file_and_line()
        {
            var repo = new JenkinsTestRepository().Add("ci/Jenkinsfile", "pipeline {\n  stages {\n    stage('x') {\n      steps { sh 'npm publish }\n    }\n  }\n}\n");
            var e = Assert.Throws<CiDefinitionException>(() => new JenkinsReader().Read(repo, "ci/Jenkinsfile").ToList());
            Assert.Equal("ci/Jenkinsfile", e.File);
            Assert.Equal(4, e.Line);
            Assert.StartsWith("ci/Jenkinsfile:4: unterminated", e.Message);

            var unbalanced = Assert.Throws<CiDefinitionException>(() => Read("pipeline {\n  stages {\n"));
            Assert.Equal(2, unbalanced.Line);
            Assert.Contains("never closed", unbalanced.Reason);
            Assert.Throws<CiDefinitionException>(() => Read("node { }\n}"));
        }

        [Fact]
        public void Hostile_sizes_and_depths_are_errors_not_crashes()
        {
            Assert.Contains("nested", Assert.Throws<CiDefinitionException>(() => Read(new string('{', 200_000))).Reason);
            Assert.Contains("nested", Assert.Throws<CiDefinitionException>(() => Read(new string('(', 200_000))).Reason);
            Assert.Contains("nested", Assert.Throws<CiDefinitionException>(() => Read(string.Concat(Enumerable.Repeat("[", 100_000)))).Reason);
            var big = new string('a', JenkinsReader.MaxLength + 1);
            Assert.Contains("larger than", Assert.Throws<CiDefinitionException>(() => Read(big)).Reason);
            var tokens = new StringBuilder();
            while (tokens.Length < 3 * 1024 * 1024) tokens.Append("a\n");
            Assert.Contains("tokens", Assert.Throws<CiDefinitionException>(() => Read(tokens.ToString())).Reason);
        }

        [Fact]
        public void Helper_methods_calling_each_other_stay_bounded()
        {
            var text = new StringBuilder();
            for (int i = 0; i < 30; i++) text.Append("def m").Append(i).Append("() { m").Append(i + 1).Append("(); m").Append(i + 1).Append("(); sh 'x").Append(i).Append("' }\n");
            text.Append("def m30() { m0() }\nnode { m0() }\n");
            var d = Read(text.ToString());
            Assert.InRange(d.Jobs.Single().Steps.Count, 1, 5000);
        }
    }
}
