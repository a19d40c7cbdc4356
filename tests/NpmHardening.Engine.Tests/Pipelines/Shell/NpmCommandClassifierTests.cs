using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    public class NpmCommandClassifierTests
    {
        private static NpmCommandKind[] Kinds(string script, CiShell shell = CiShell.Posix)
            => ShellScriptReader.Read(script, shell).SelectMany(c => NpmCommandClassifier.Classify(c)).Select(n => n.Kind).ToArray();

        private static NpmCommand Single(string script, NpmCommandKind kind, CiShell shell = CiShell.Posix)
            => Assert.Single(ShellScriptReader.Read(script, shell).SelectMany(c => NpmCommandClassifier.Classify(c)), n => n.Kind == kind);

        [Theory]
        [InlineData("npm publish", "npm")]
        [InlineData("npm pub", "npm")]                       // unique prefix, as npm's abbrev resolves it
        [InlineData("npm pu --access public", "npm")]
        [InlineData("npm --registry https://r.example publish", "npm")]
        [InlineData("npm --tag next publish ./dist", "npm")]
        [InlineData("npm -w packages/a publish", "npm")]
        [InlineData("sudo -E npm publish", "npm")]
        [InlineData("NODE_AUTH_TOKEN=$T npm publish", "npm")]
        [InlineData("env NPM_CONFIG_PROVENANCE=true npm publish", "npm")]
        [InlineData("/usr/local/bin/npm publish", "npm")]
        [InlineData("npx npm@11 publish --provenance", "npm")]
        [InlineData("npx -y npm@latest publish", "npm")]
        [InlineData("pnpm publish", "pnpm")]
        [InlineData("pnpm -r publish", "pnpm")]
        [InlineData("pnpm --recursive publish --no-git-checks", "pnpm")]
        [InlineData("pnpm publish -r --filter ./packages/**", "pnpm")]
        [InlineData("corepack pnpm publish", "pnpm")]
        [InlineData("yarn npm publish --tolerate-republish", "yarn")]
        [InlineData("yarn publish --non-interactive", "yarn")]
        [InlineData("yarn workspaces foreach -A --no-private npm publish", "yarn")]
        [InlineData("yarn workspace @scope/a npm publish", "yarn")]
        [InlineData("bun publish", "bun")]
        [InlineData("if true; then npm publish; fi", "npm")]
        [InlineData("cd dist && npm publish", "npm")]
        [InlineData("(cd dist; npm publish)", "npm")]
        [InlineData("echo $(npm publish)", "npm")]
        [InlineData("bash -c 'npm publish'", "npm")]
        [InlineData("npm \\\n  publish", "npm")]
        [InlineData("for p in a b; do (cd $p && npm publish); done", "npm")]
        public void Publish_is_recognised(string script, string tool)
        {
            var n = Single(script, NpmCommandKind.Publish);
            Assert.Equal(tool, n.Tool);
        }

        [Theory]
        [InlineData("echo \"npm publish\"")]
        [InlineData("echo npm publish")]
        [InlineData("# npm publish")]
        [InlineData("npm publish --dry-run")]
        [InlineData("npm publish --dry-run=true")]
        [InlineData("pnpm publish --dry-run")]
        [InlineData("yarn npm publish --dry-run")]
        [InlineData("npm pack")]
        [InlineData("npm p")]                                // ambiguous prefix: npm refuses it
        [InlineData("npm run publish-docs")]
        [InlineData("npm view pkg publish")]
        [InlineData("git commit -m 'npm publish'")]
        [InlineData("cat <<EOF\nnpm publish\nEOF")]
        [InlineData("npm install publish")]
        [InlineData("printf '%s' npm publish")]
        [InlineData("npm --registry publish pack")]          // "publish" is the registry value, the command is pack
        [InlineData("yarn npm info publish")]
        public void Look_alikes_are_not_publishes(string script)
        {
            Assert.DoesNotContain(NpmCommandKind.Publish, Kinds(script));
            Assert.DoesNotContain(NpmCommandKind.StagePublish, Kinds(script));
            Assert.DoesNotContain(NpmCommandKind.ReleaseTool, Kinds(script));
        }

        [Theory]
        [InlineData("npm publish --dry-run")]
        [InlineData("npx semantic-release --dry-run")]
        [InlineData("npm stage publish --dry-run")]
        public void Dry_runs_are_their_own_kind(string script)
            => Assert.Contains(NpmCommandKind.PublishDryRun, Kinds(script));

        [Theory]
        [InlineData("npm stage publish")]
        [InlineData("npm stage publish --tag next")]
        [InlineData("npx npm@11 stage publish")]
        public void Stage_publish(string script) => Single(script, NpmCommandKind.StagePublish);

        [Theory]
        [InlineData("npm stage list")]
        [InlineData("npm stage approve 123")]
        public void Other_stage_commands_are_not_publishes(string script) => Assert.Empty(Kinds(script));

        [Theory]
        [InlineData("npx semantic-release", "semantic-release")]
        [InlineData("npx -p semantic-release@24 -p @semantic-release/git semantic-release", "semantic-release")]
        [InlineData("semantic-release", "semantic-release")]
        [InlineData("./node_modules/.bin/semantic-release", "semantic-release")]
        [InlineData("pnpm dlx semantic-release", "semantic-release")]
        [InlineData("yarn dlx semantic-release", "semantic-release")]
        [InlineData("bunx semantic-release", "semantic-release")]
        [InlineData("npm exec -- semantic-release", "semantic-release")]
        [InlineData("lerna publish from-package --yes", "lerna")]
        [InlineData("npx lerna publish from-git", "lerna")]
        [InlineData("nx release publish", "nx")]
        [InlineData("npx nx release --yes", "nx")]
        [InlineData("nx run-many -t nx-release-publish", "nx")]
        [InlineData("changeset publish", "changeset")]
        [InlineData("npx changeset publish", "changeset")]
        [InlineData("npx @changesets/cli publish", "changeset")]
        [InlineData("pnpm changeset publish", "changeset")]
        [InlineData("yarn changeset publish", "changeset")]
        [InlineData("release-it --ci", "release-it")]
        [InlineData("np --yolo", "np")]
        public void Release_tools(string script, string tool)
            => Assert.Equal(tool, Single(script, NpmCommandKind.ReleaseTool).Tool);

        [Theory]
        [InlineData("changeset version")]
        [InlineData("lerna version --yes")]
        [InlineData("nx release version")]
        [InlineData("nx release --skip-publish")]
        [InlineData("release-it --no-npm")]
        [InlineData("np --no-publish")]
        [InlineData("nx build app")]
        public void Release_tool_look_alikes(string script)
            => Assert.DoesNotContain(NpmCommandKind.ReleaseTool, Kinds(script));

        [Theory]
        [InlineData("npm ci")]
        [InlineData("npm install")]
        [InlineData("npm i")]
        [InlineData("npm add left-pad")]
        [InlineData("npm install-ci-test")]
        [InlineData("npm clean-install")]
        [InlineData("npm isntall")]
        [InlineData("yarn")]
        [InlineData("yarn --frozen-lockfile")]
        [InlineData("yarn install --immutable")]
        [InlineData("pnpm install --frozen-lockfile")]
        [InlineData("pnpm i")]
        [InlineData("pnpm add -D x")]
        [InlineData("bun install")]
        [InlineData("npm install -g npm@latest")]
        public void Installs(string script) => Assert.Contains(NpmCommandKind.Install, Kinds(script));

        [Theory]
        [InlineData("npm whoami")]
        [InlineData("npm --version")]
        [InlineData("yarn --version")]
        [InlineData("echo npm ci")]
        public void Not_installs(string script) => Assert.DoesNotContain(NpmCommandKind.Install, Kinds(script));

        [Fact]
        public void Npm_upgrade_is_recognised()
        {
            Assert.True(Single("npm install -g npm@11", NpmCommandKind.Install).UpgradesNpm);
            Assert.False(Single("npm install npm@11", NpmCommandKind.Install).UpgradesNpm);
        }

        [Theory]
        [InlineData("npm run release", "npm", "release", false)]
        [InlineData("npm run-script release", "npm", "release", false)]
        [InlineData("npm rum release", "npm", "release", false)]
        [InlineData("npm test", "npm", "test", false)]
        [InlineData("npm t", "npm", "test", false)]
        [InlineData("npm start", "npm", "start", false)]
        [InlineData("npm run release --workspace=packages/a", "npm", "release", false)]
        [InlineData("pnpm run release", "pnpm", "release", false)]
        [InlineData("pnpm release", "pnpm", "release", true)]
        [InlineData("pnpm --filter a release", "pnpm", "release", true)]
        [InlineData("yarn run release", "yarn", "release", true)]
        [InlineData("yarn release", "yarn", "release", true)]
        [InlineData("bun run release", "bun", "release", true)]
        [InlineData("run-s build release", "run-s", "release", false)]
        [InlineData("turbo run release", "turbo", "release", false)]
        public void Run_script(string script, string tool, string name, bool implicitScript)
        {
            var all = ShellScriptReader.Read(script, CiShell.Posix).SelectMany(c => NpmCommandClassifier.Classify(c)).Where(n => n.Kind == NpmCommandKind.RunScript).ToList();
            var n = Assert.Single(all, x => x.Script == name);
            Assert.Equal(tool, n.Tool);
            Assert.Equal(implicitScript, n.ImplicitScript);
        }

        [Fact]
        public void Workspace_selectors_are_noted()
        {
            Assert.Equal(new[] { "packages/a" }, Single("npm run release -w packages/a", NpmCommandKind.RunScript).Workspaces);
            Assert.True(Single("npm run release --workspaces", NpmCommandKind.RunScript).AllWorkspaces);
            Assert.True(Single("pnpm -r run release", NpmCommandKind.RunScript).AllWorkspaces);
            Assert.Equal(new[] { "@s/a" }, Single("pnpm --filter @s/a run release", NpmCommandKind.RunScript).Workspaces);
        }

        [Theory]
        [InlineData("npm publish --provenance", true)]
        [InlineData("npm publish --provenance=false", false)]
        [InlineData("npm publish --no-provenance", false)]
        [InlineData("npm publish --provenance true", true)]
        [InlineData("npm publish", null)]
        public void Provenance_flag(string script, bool? expected)
            => Assert.Equal(expected, Single(script, NpmCommandKind.Publish).Provenance);

        [Fact]
        public void Publish_flags()
        {
            var n = Single("npm publish --registry=https://npm.pkg.github.com --tag next --access public --otp 123456", NpmCommandKind.Publish);
            Assert.Equal("https://npm.pkg.github.com", n.Registry);
            Assert.Equal("next", n.Tag);
            Assert.Equal("public", n.Access);
            Assert.True(n.Otp);
            Assert.Equal("npm", Single("npm --reg https://r.example publish", NpmCommandKind.Publish).Tool);
            Assert.Equal("https://r.example", Single("npm --reg https://r.example publish", NpmCommandKind.Publish).Registry);
        }

        [Theory]
        [InlineData("echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" >> .npmrc", ".npmrc", true, "NPM_TOKEN")]
        [InlineData("echo //registry.npmjs.org/:_authToken=$NODE_AUTH_TOKEN > ~/.npmrc", "~/.npmrc", true, "NODE_AUTH_TOKEN")]
        [InlineData("printf '//registry.npmjs.org/:_authToken=%s\\n' \"$NPM_TOKEN\" > \"$HOME/.npmrc\"", "$HOME/.npmrc", true, "NPM_TOKEN")]
        [InlineData("echo '//registry.npmjs.org/:_authToken=${{ secrets.NPM_TOKEN }}' > .npmrc", ".npmrc", true, "NPM_TOKEN")]
        [InlineData("cat <<EOF > .npmrc\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nEOF", ".npmrc", true, "NPM_TOKEN")]
        [InlineData("cat > .npmrc <<'EOF'\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nEOF", ".npmrc", true, "NPM_TOKEN")]
        [InlineData("echo \"//registry.npmjs.org/:_authToken=$T\" | tee -a .npmrc", ".npmrc", true, "T")]
        [InlineData("echo registry=https://r.example > .npmrc", ".npmrc", false, null)]
        [InlineData("echo \"npmAuthToken: $YARN_TOKEN\" >> .yarnrc.yml", ".yarnrc.yml", true, "YARN_TOKEN")]
        [InlineData("npm config set //registry.npmjs.org/:_authToken $NPM_TOKEN", "~/.npmrc", true, "NPM_TOKEN")]
        [InlineData("npm config set //registry.npmjs.org/:_authToken=${NPM_TOKEN} --location project", ".npmrc", true, "NPM_TOKEN")]
        [InlineData("npm set //registry.npmjs.org/:_authToken $NPM_TOKEN", "~/.npmrc", true, "NPM_TOKEN")]
        [InlineData("yarn config set npmAuthToken $NPM_TOKEN", ".yarnrc.yml", true, "NPM_TOKEN")]
        [InlineData("cp .npmrc.ci .npmrc", ".npmrc", false, null)]
        public void Npmrc_writes(string script, string target, bool auth, string? token)
        {
            var n = Single(script, NpmCommandKind.NpmrcWrite);
            Assert.Equal(target, n.TargetFile);
            Assert.Equal(auth, n.WritesAuth);
            if (token != null) Assert.Contains(token, n.TokenNames);
        }

        // the held-out cc-plottable shape: npm login fed a user and password by the script stores a session token
        [Theory]
        [InlineData("echo -e \"$NPM_USER\\n$NPM_PASS\\n$NPM_EMAIL\" | npm login", "~/.npmrc", "NPM_PASS")]
        [InlineData("printf '%s\\n%s\\n%s\\n' \"$NPM_USERNAME\" \"$NPM_PASSWORD\" \"$NPM_EMAIL\" | npm adduser --registry https://r.example", "~/.npmrc", "NPM_PASSWORD")]
        [InlineData("npm login --userconfig ./ci.npmrc", "./ci.npmrc", null)]
        public void Npm_login_is_an_npmrc_write_with_auth_named_by_the_secrets_fed_to_it(string script, string target, string? token)
        {
            var n = Single(script, NpmCommandKind.NpmrcWrite);
            Assert.Equal(target, n.TargetFile);
            Assert.True(n.WritesAuth);
            Assert.True(n.Login);
            if (token == null) Assert.Empty(n.TokenNames);
            else Assert.Equal(new[] { token }, n.TokenNames);
        }

        // the held-out bb-youbora-debug shape: the CI secret holds the whole auth line, so the key is not in the script
        [Theory]
        [InlineData("echo $NPM_TOKEN >> ~/.npmrc", CiShell.Posix, "~/.npmrc", true, "NPM_TOKEN")]
        [InlineData("printf '%s\\n' \"$NPMRC\" > .npmrc", CiShell.Posix, ".npmrc", true, "NPMRC")]
        [InlineData("echo \"$NPM_AUTH\" | tee -a \"$HOME/.npmrc\"", CiShell.Posix, "$HOME/.npmrc", true, "NPM_AUTH")]
        [InlineData("echo \"registry=$REGISTRY_URL\" >> .npmrc", CiShell.Posix, ".npmrc", false, "REGISTRY_URL")]
        [InlineData("echo '$NPM_TOKEN' >> .npmrc", CiShell.Posix, ".npmrc", false, null)]
        [InlineData("Add-Content -Path .npmrc -Value $env:NPM_TOKEN", CiShell.PowerShell, ".npmrc", true, "NPM_TOKEN")]
        [InlineData("echo %NPM_TOKEN%>> .npmrc", CiShell.Cmd, ".npmrc", true, "NPM_TOKEN")]
        public void A_secret_named_variable_written_whole_to_an_npmrc_is_a_credential(string script, CiShell shell, string target, bool auth, string? token)
        {
            var n = Single(script, NpmCommandKind.NpmrcWrite, shell);
            Assert.Equal(target, n.TargetFile);
            Assert.Equal(auth, n.WritesAuth);
            if (token != null) Assert.Contains(token, n.TokenNames);
        }

        [Theory]
        [InlineData("Set-Content -Path .npmrc -Value \"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\"", ".npmrc", "NPM_TOKEN")]
        [InlineData("Add-Content .npmrc \"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\"", ".npmrc", "NPM_TOKEN")]
        [InlineData("\"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\" | Out-File -FilePath $HOME/.npmrc -Append", "$HOME/.npmrc", "NPM_TOKEN")]
        [InlineData("\"//registry.npmjs.org/:_authToken=$(NPM_TOKEN)\" > .npmrc", ".npmrc", "NPM_TOKEN")]
        [InlineData("[IO.File]::WriteAllText(\"$HOME/.npmrc\", \"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\")", "$HOME/.npmrc", "NPM_TOKEN")]
        [InlineData("[System.IO.File]::AppendAllText('.npmrc', \"//registry.npmjs.org/:_authToken=$($env:NODE_AUTH_TOKEN)`n\")", ".npmrc", "NODE_AUTH_TOKEN")]
        [InlineData("[io.file]::WriteAllLines(\"$env:USERPROFILE\\.npmrc\", @(\"registry=https://registry.npmjs.org/\", \"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\"))", "$env:USERPROFILE\\.npmrc", "NPM_TOKEN")]
        [InlineData("$line = \"//registry.npmjs.org/:_authToken=$env:NPM_TOKEN\"\nSet-Content -LiteralPath (Join-Path $HOME '.npmrc') -Value $line", "(Join-Path $HOME '.npmrc')", null)]
        [InlineData("Out-File -FilePath .npmrc -InputObject \"//registry.npmjs.org/:_authToken=${env:NPM_TOKEN}\" -Encoding ascii", ".npmrc", "NPM_TOKEN")]
        public void PowerShell_npmrc_writes(string script, string target, string? token)
        {
            var n = Single(script, NpmCommandKind.NpmrcWrite, CiShell.PowerShell);
            Assert.Equal(target, n.TargetFile);
            if (token == null) return; // the value is a variable set earlier: the write is seen, its content is not
            Assert.True(n.WritesAuth);
            Assert.Contains(token, n.TokenNames);
        }

        [Fact]
        public void Cmd_npmrc_write()
        {
            var n = Single("@echo off\necho //registry.npmjs.org/:_authToken=%NPM_TOKEN%>> .npmrc\nnpm publish", NpmCommandKind.NpmrcWrite, CiShell.Cmd);
            Assert.Equal(".npmrc", n.TargetFile);
            Assert.Contains("NPM_TOKEN", n.TokenNames);
            Assert.Contains(NpmCommandKind.Publish, Kinds("call npm publish", CiShell.Cmd));
            Assert.Contains(NpmCommandKind.Publish, Kinds("npm.cmd publish", CiShell.Cmd));
            Assert.Contains(NpmCommandKind.Publish, Kinds("if exist dist (cd dist && npm publish)", CiShell.Cmd));
        }

        [Theory]
        [InlineData("cat .npmrc")]
        [InlineData("cat ~/.npmrc")]
        [InlineData("echo $NPM_TOKEN")]
        [InlineData("echo \"token: ${{ secrets.NPM_TOKEN }}\"")]
        [InlineData("printenv")]
        [InlineData("env")]
        [InlineData("env | sort")]
        [InlineData("printenv NPM_TOKEN")]
        [InlineData("echo \"//r/:_authToken=$T\" | tee .npmrc")]   // tee prints what it writes
        public void Disclosures(string script) => Assert.Contains(NpmCommandKind.NpmrcDisclose, Kinds(script));

        [Theory]
        [InlineData("type .npmrc", CiShell.Cmd)]
        [InlineData("Get-Content .npmrc", CiShell.PowerShell)]
        [InlineData("gci env:", CiShell.PowerShell)]
        [InlineData("Write-Host $env:NPM_TOKEN", CiShell.PowerShell)]
        [InlineData("echo %NPM_TOKEN%", CiShell.Cmd)]
        public void Windows_disclosures(string script, CiShell shell) => Assert.Contains(NpmCommandKind.NpmrcDisclose, Kinds(script, shell));

        [Theory]
        [InlineData("echo \"::add-mask::$NPM_TOKEN\"")]
        [InlineData("echo $HOME")]
        [InlineData("cat package.json")]
        [InlineData("echo \"//r/:_authToken=$T\" >> .npmrc")]
        [InlineData("env NODE_ENV=production npm ci")]
        [InlineData("echo \"//r/:_authToken=$T\" | tee .npmrc > /dev/null")]
        public void Not_disclosures(string script) => Assert.DoesNotContain(NpmCommandKind.NpmrcDisclose, Kinds(script));

        [Theory]
        [InlineData("set -x", CiShell.Posix)]
        [InlineData("set -euxo pipefail", CiShell.Posix)]
        [InlineData("set -o xtrace", CiShell.Posix)]
        [InlineData("Set-PSDebug -Trace 1", CiShell.PowerShell)]
        [InlineData("@echo on", CiShell.Cmd)]
        public void Trace_on(string script, CiShell shell) => Assert.Contains(NpmCommandKind.TraceOn, Kinds(script, shell));

        [Theory]
        [InlineData("set -e", CiShell.Posix)]
        [InlineData("set +x", CiShell.Posix)]
        [InlineData("Set-PSDebug -Trace 0", CiShell.PowerShell)]
        [InlineData("@echo off", CiShell.Cmd)]
        [InlineData("echo set -x", CiShell.Posix)]
        public void Not_trace_on(string script, CiShell shell) => Assert.DoesNotContain(NpmCommandKind.TraceOn, Kinds(script, shell));

        [Fact]
        public void Trace_state_reaches_later_commands()
        {
            var s = ShellScriptReader.Read("npm ci\nset -x\necho ok\nset +x\nnpm publish", CiShell.Posix);
            Assert.Equal(new[] { false, false, true, true, false }, s.Select(c => c.TraceActive).ToArray());
        }

        [Fact]
        public void Publish_token_names_come_from_its_words_and_prefix()
        {
            var n = Single("NODE_AUTH_TOKEN=${{ secrets.NPM_TOKEN }} npm publish", NpmCommandKind.Publish);
            Assert.Contains("NPM_TOKEN", n.TokenNames);
        }

        [Theory]
        [InlineData("npm publish", CiShell.PowerShell)]
        [InlineData("& npm publish --provenance", CiShell.PowerShell)]
        [InlineData("npm.cmd publish", CiShell.PowerShell)]
        [InlineData("if ($env:CI) { npm publish }", CiShell.PowerShell)]
        [InlineData("npm `\n  publish", CiShell.PowerShell)]
        [InlineData("npm ci; npm publish", CiShell.PowerShell)]
        [InlineData("npm ci && npm publish", CiShell.PowerShell)]
        [InlineData("pwsh -Command \"npm publish\"", CiShell.Posix)]
        [InlineData("cmd /c npm publish", CiShell.PowerShell)]
        [InlineData("Write-Host (npm publish --tag next)", CiShell.PowerShell)]
        [InlineData("$out = $(npm publish)", CiShell.PowerShell)]
        public void Windows_publish(string script, CiShell shell) => Assert.Contains(NpmCommandKind.Publish, Kinds(script, shell));

        // the inner script of a shell started by a wrapper or a container is read with its own tokenizer
        [Theory]
        [InlineData("bash -euo pipefail -c 'cd packages/core && npm publish'", CiShell.Posix)]
        [InlineData("sudo -E bash -c \"npm publish --access public\"", CiShell.Posix)]
        [InlineData("env NODE_ENV=production sh -c 'npm ci && npm publish'", CiShell.Posix)]
        [InlineData("docker run --rm -e NPM_TOKEN -v \"$PWD:/src\" -w /src node:22 sh -c 'npm ci && npm publish'", CiShell.Posix)]
        [InlineData("powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"& { npm publish }\"", CiShell.Cmd)]
        [InlineData("cmd.exe /d /s /c \"npm publish\"", CiShell.PowerShell)]
        public void Inline_script_publish(string script, CiShell shell) => Assert.Contains(NpmCommandKind.Publish, Kinds(script, shell));

        [Theory]
        [InlineData("# npm publish", CiShell.PowerShell)]
        [InlineData("<# npm publish #>", CiShell.PowerShell)]
        [InlineData("Write-Host 'npm publish'", CiShell.PowerShell)]
        [InlineData("rem npm publish", CiShell.Cmd)]
        [InlineData(":: npm publish", CiShell.Cmd)]
        [InlineData("echo npm publish", CiShell.Cmd)]
        public void Windows_look_alikes(string script, CiShell shell) => Assert.DoesNotContain(NpmCommandKind.Publish, Kinds(script, shell));

        [Theory]
        [InlineData("npm", "npm")]
        [InlineData("pub", "publish")]
        [InlineData("publi", "publish")]
        [InlineData("i", "install")]
        [InlineData("isntall", "install")]
        [InlineData("run-script", "run")]
        [InlineData("ic", "ci")]
        [InlineData("installTest", "install-test")]
        public void Npm_deref_follows_cmd_list(string input, string expected)
        {
            if (input == "npm") { Assert.Null(NpmCommandClassifier.NpmDeref("")); return; }
            Assert.Equal(expected, NpmCommandClassifier.NpmDeref(input));
        }

        [Fact]
        public void Ambiguous_prefixes_resolve_to_nothing()
        {
            Assert.Null(NpmCommandClassifier.NpmDeref("p"));
            Assert.Null(NpmCommandClassifier.NpmDeref("st"));
        }
    }
}
