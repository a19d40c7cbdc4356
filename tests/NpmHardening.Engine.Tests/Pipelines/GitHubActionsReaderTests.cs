using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Tests.Pipelines
{
    public class GitHubActionsReaderTests
    {
        private static readonly GitHubActionsReader Reader = new GitHubActionsReader();

        private static CiDefinition Read(MemoryCiRepository repo, string file = ".github/workflows/release.yml") =>
            Reader.Read(repo, file).Single();

        private static CiDefinition Read(string yaml) => Read(new MemoryCiRepository().Add(".github/workflows/release.yml", yaml));

        [Theory]
        [InlineData(".github/workflows/release.yml", true)]
        [InlineData(".github/workflows/Release.YAML", true)]
        [InlineData(".github/workflows/sub/release.yml", false)]
        [InlineData(".github/workflows/release.json", false)]
        [InlineData(".github/release.yml", false)]
        [InlineData(".gitlab-ci.yml", false)]
        public void Claims_workflow_files_only(string path, bool claimed) => Assert.Equal(claimed, Reader.Claims(path));

        [Fact]
        public void On_as_a_string_a_list_and_a_map()
        {
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag }, Read("on: push\njobs: {}\n").Triggers.Select(t => t.Kind));
            Assert.Equal(new[] { CiTriggerKind.Release, CiTriggerKind.Manual }, Read("on: [release, workflow_dispatch]\njobs: {}\n").Triggers.Select(t => t.Kind));
            var map = Read("on:\n  push:\n    tags: ['v*']\n  pull_request_target:\n    types: [opened]\n  workflow_run:\n    workflows: [CI]\n  schedule:\n    - cron: '0 0 * * *'\n  workflow_call:\n  issue_comment:\njobs: {}\n");
            Assert.Equal(new[] { CiTriggerKind.Tag, CiTriggerKind.PullRequestTarget, CiTriggerKind.WorkflowRun, CiTriggerKind.Schedule, CiTriggerKind.WorkflowCall, CiTriggerKind.Other },
                map.Triggers.Select(t => t.Kind));
            Assert.Equal("tags: v*", map.Triggers[0].Detail);
            Assert.Equal(2, map.Triggers[0].Source.Line);
            Assert.Equal("workflows: CI", map.Triggers[2].Detail);
            Assert.Equal("issue_comment", map.Triggers[5].Detail);
            var both = Read("on:\n  push:\n    branches: [main]\n    tags: ['v*']\njobs: {}\n");
            Assert.Equal(new[] { CiTriggerKind.Push, CiTriggerKind.Tag }, both.Triggers.Select(t => t.Kind));
            Assert.Equal(new[] { CiTriggerKind.Push }, Read("on:\n  push:\n    branches: [main]\njobs: {}\n").Triggers.Select(t => t.Kind));
        }

        [Fact]
        public void Permissions_env_secrets_environment_needs_and_if()
        {
            var d = Read(
                "name: Release\n" +
                "on: { release: { types: [published] } }\n" +
                "permissions:\n  contents: read\n  id-token: write\n" +
                "env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n  CI: true\n" +
                "jobs:\n" +
                "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n" +
                "  publish:\n" +
                "    needs: test\n" +
                "    if: github.repository == 'acme/lib'\n" +
                "    environment:\n      name: npm\n      url: https://npmjs.com\n" +
                "    permissions:\n      contents: read\n" +
                "    env:\n      NODE_AUTH_TOKEN: ${{ secrets['NPM_PUBLISH'] }}\n" +
                "    runs-on: ubuntu-latest\n" +
                "    steps:\n" +
                "      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n          registry-url: https://registry.npmjs.org\n          cache: npm\n" +
                "      - name: Publish\n        run: npm publish --provenance\n        env:\n          GH: ${{ github.token }}\n");
            Assert.Equal("Release", d.Name);
            Assert.True(d.RequestsOidc);
            Assert.Equal("NPM_TOKEN", d.Env.Single(v => v.Name == "NPM_TOKEN").SecretName);
            Assert.Null(d.Env.Single(v => v.Name == "CI").SecretName);
            var test = d.Jobs[0];
            Assert.True(test.RequestsOidc); // inherits the workflow's permissions
            var publish = d.Jobs[1];
            Assert.False(publish.RequestsOidc); // its own permissions replace the workflow's
            Assert.Equal(new[] { "test" }, publish.Needs);
            Assert.Equal("github.repository == 'acme/lib'", publish.Condition);
            Assert.Equal(CiGateKind.Environment, publish.Gate.Kind);
            Assert.Equal("npm", publish.Gate.Name);
            Assert.Equal("NPM_PUBLISH", publish.Env.Single(v => v.Name == "NODE_AUTH_TOKEN").SecretName);
            Assert.Contains(publish.Env, v => v.Name == "NPM_TOKEN"); // workflow env reaches the job
            Assert.Equal("20", publish.Facts["node-version"]);
            Assert.Equal("https://registry.npmjs.org", publish.Facts["registry-url"]);
            Assert.Equal("npm", publish.Facts["cache"]);
            var setup = publish.Steps[0];
            Assert.Equal(CiStepKind.Action, setup.Kind);
            Assert.Equal("actions/setup-node@v4", setup.ActionRef);
            var run = publish.Steps[1];
            Assert.Equal("Publish", run.Name);
            Assert.Equal("npm publish --provenance", run.Script);
            Assert.Equal(CiShell.Posix, run.Shell);
            Assert.Equal(run.Source.Line, run.ScriptLine - 1);
            Assert.Equal("GITHUB_TOKEN", run.Env.Single().SecretName);
            Assert.Equal(14, publish.Source.Line);
        }

        [Fact]
        public void Write_all_and_shells()
        {
            var d = Read("on: push\npermissions: write-all\ndefaults:\n  run:\n    shell: bash\n    working-directory: pkg\n" +
                "jobs:\n  w:\n    runs-on: windows-latest\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n      - run: npm publish\n      - run: npm publish\n        shell: cmd\n" +
                "  x:\n    runs-on: [self-hosted, windows]\n    steps:\n      - run: npm publish\n        shell: 'bash -e {0}'\n" +
                "  y:\n    runs-on: windows-2022\n    defaults: {}\n    steps:\n      - run: |\n          npm publish\n        working-directory: other\n");
            Assert.True(d.RequestsOidc);
            Assert.All(d.Jobs, j => Assert.True(j.RequestsOidc));
            Assert.Equal(CiShell.PowerShell, d.Jobs[0].Steps[0].Shell);
            Assert.Equal("pkg", d.Jobs[0].Steps[0].WorkingDirectory);
            Assert.Equal(CiShell.Cmd, d.Jobs[0].Steps[1].Shell);
            Assert.Equal(CiShell.Posix, d.Jobs[1].Steps[0].Shell);
            // the workflow's defaults.run.shell (bash) wins over the Windows runner's default
            Assert.Equal(CiShell.Posix, d.Jobs[2].Steps[0].Shell);
            Assert.Equal("other", d.Jobs[2].Steps[0].WorkingDirectory);
            Assert.Equal(CiShell.PowerShell, GitHubActionsReader.ShellOf(null, windows: true));
            Assert.Equal(CiShell.Unknown, GitHubActionsReader.ShellOf("python", windows: false));
        }

        [Fact]
        public void Composite_actions_are_expanded_with_their_own_file_and_lines()
        {
            var repo = new MemoryCiRepository()
                .Add(".github/workflows/release.yml",
                    "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/publish\n        if: github.ref == 'refs/heads/main'\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n")
                .Add(".github/actions/publish/action.yaml",
                    "name: publish\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/setup\n    - run: npm publish\n      shell: bash\n")
                .Add(".github/actions/setup/action.yml",
                    "runs:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n      with: { node-version: 22 }\n    - run: npm ci\n      shell: bash\n");
            var d = Read(repo);
            var steps = d.Jobs.Single().Steps;
            Assert.Equal(new[] { "actions/setup-node@v4", null, null }, steps.Select(s => s.ActionRef));
            Assert.Equal("npm ci", steps[1].Script);
            Assert.Equal(".github/actions/setup/action.yml", steps[1].Source.File);
            Assert.Equal(6, steps[2].Source.Line);
            Assert.Equal(".github/actions/publish/action.yaml", steps[2].Source.File);
            Assert.All(steps, s => Assert.Equal("NPM_TOKEN", s.Env.Single().SecretName));
            Assert.All(steps, s => Assert.Contains("refs/heads/main", s.Condition));
            Assert.Equal("22", d.Jobs[0].Facts["node-version"]);
            Assert.Equal(new[] { ".github/actions/publish/action.yaml", ".github/actions/setup/action.yml" }, d.IncludedFiles.OrderBy(f => f));
        }

        [Fact]
        public void A_composite_action_that_uses_itself_stops()
        {
            var repo = new MemoryCiRepository()
                .Add(".github/workflows/release.yml", "on: push\njobs:\n  r:\n    steps:\n      - uses: ./a\n")
                .Add("a/action.yml", "runs:\n  using: composite\n  steps:\n    - uses: ./b\n    - run: npm publish\n      shell: bash\n")
                .Add("b/action.yml", "runs:\n  using: composite\n  steps:\n    - uses: ./a\n");
            var steps = Read(repo).Jobs.Single().Steps;
            Assert.Equal("./a", steps[0].ActionRef); // b's use of a stays opaque
            Assert.Equal("npm publish", steps[1].Script);
            Assert.True(repo.Reads.Count < 10);
        }

        [Fact]
        public void Reusable_workflows_take_the_callers_triggers_and_renamed_secrets()
        {
            var repo = new MemoryCiRepository()
                .Add(".github/workflows/release.yml",
                    "on:\n  push:\n    tags: ['v*']\npermissions:\n  id-token: write\njobs:\n" +
                    "  build:\n    runs-on: ubuntu-latest\n    steps: [{run: npm test}]\n" +
                    "  publish:\n    needs: build\n    uses: ./.github/workflows/publish.yml\n    secrets:\n      token: ${{ secrets.NPM_TOKEN }}\n" +
                    "  inherit:\n    uses: ./.github/workflows/publish.yml\n    secrets: inherit\n    permissions: {contents: read}\n" +
                    "  remote:\n    uses: acme/shared/.github/workflows/npm.yml@v1\n    with: {dry-run: false}\n    secrets:\n      npm: ${{ secrets.NPM }}\n")
                .Add(".github/workflows/publish.yml",
                    "on:\n  workflow_call:\n    secrets:\n      token:\n        required: true\npermissions:\n  id-token: write\n" +
                    "jobs:\n  npm:\n    environment: production\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.token }}\n");
            var d = Read(repo);
            Assert.Equal(new[] { "build", "publish/npm", "inherit/npm", "remote" }, d.Jobs.Select(j => j.Id));
            var called = d.Jobs[1];
            Assert.Equal(CiTriggerKind.Tag, called.Triggers!.Single().Kind);
            Assert.Equal(new[] { "build" }, called.Needs);
            Assert.True(called.RequestsOidc);
            Assert.Equal("production", called.Gate.Name);
            Assert.Equal("NPM_TOKEN", called.Steps.Single().Env.Single().SecretName);
            Assert.Equal(".github/workflows/publish.yml", called.Steps.Single().Source.File);
            var inherited = d.Jobs[2];
            Assert.False(inherited.RequestsOidc); // the caller's permissions cap the called workflow's
            Assert.Equal("token", inherited.Steps.Single().Env.Single().SecretName); // inherit: the callee's name is the caller's
            var remote = d.Jobs[3];
            Assert.Equal("acme/shared/.github/workflows/npm.yml@v1", remote.Steps.Single().ActionRef);
            Assert.Equal("false", remote.Steps.Single().Inputs["dry-run"]);
            Assert.Equal("NPM", remote.Steps.Single().Env.Single().SecretName);
            Assert.Equal(new[] { ".github/workflows/publish.yml" }, d.IncludedFiles);
        }

        [Fact]
        public void A_reusable_workflow_that_calls_itself_stops()
        {
            var repo = new MemoryCiRepository()
                .Add(".github/workflows/release.yml", "on: push\njobs:\n  a:\n    uses: ./.github/workflows/release.yml\n");
            var d = Read(repo);
            Assert.Equal("./.github/workflows/release.yml", d.Jobs.Single().Steps.Single().ActionRef);
        }

        [Fact]
        public void Bad_shapes_are_errors_naming_the_line()
        {
            var e = Assert.Throws<CiDefinitionException>(() => Read("on: push\njobs:\n  a:\n    steps: npm publish\n"));
            Assert.Equal(4, e.Line);
            Assert.Throws<CiDefinitionException>(() => Read("- a\n- b\n"));
            Assert.Empty(Reader.Read(new MemoryCiRepository().Add(".github/workflows/e.yml", "# nothing\n"), ".github/workflows/e.yml"));
        }

        [Theory]
        [InlineData("${{ secrets.NPM_TOKEN }}", "NPM_TOKEN")]
        [InlineData("${{secrets.npm-token}}", "npm-token")]
        [InlineData("${{ secrets[ 'A_B' ] }}", "A_B")]
        [InlineData("x ${{ inputs.t || secrets.T2 }} y", "T2")]
        [InlineData("${{ github.token }}", "GITHUB_TOKEN")]
        [InlineData("${{ secrets.github_token }}", "GITHUB_TOKEN")]
        [InlineData("secrets.NOT_AN_EXPRESSION", null)]
        [InlineData("${{ env.secrets }}", null)]
        [InlineData("${{ mysecrets.X }}", null)]
        public void Secret_references(string value, string? expected) =>
            Assert.Equal(expected, GitHubExpression.SecretNames(value).FirstOrDefault());
    }
}
