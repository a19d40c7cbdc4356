using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    public class PackageScriptResolverTests
    {
        private static List<ScriptReach> Reach(string script, Dictionary<string, string> files, string dir = "")
        {
            var repo = new InMemoryRepository(files);
            var resolver = new PackageScriptResolver(repo, repo.ListDirectories);
            var result = new List<ScriptReach>();
            foreach (var c in ShellScriptReader.Read(script, CiShell.Posix))
                foreach (var n in NpmCommandClassifier.Classify(c))
                    result.AddRange(resolver.Resolve(n, ShellPath.FromRepositoryRoot(dir, c.WorkingDirectory)));
            return result;
        }

        private static readonly NpmCommandKind[] PublishKinds = { NpmCommandKind.Publish, NpmCommandKind.StagePublish, NpmCommandKind.ReleaseTool };

        [Fact]
        public void Follows_three_levels_and_reports_the_chain()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"scripts\":{\"release\":\"npm run ship\",\"ship\":\"yarn publish:all\",\"publish:all\":\"cd dist && npm publish --provenance\"}}",
            };
            var r = Reach("npm run release", files);
            var p = Assert.Single(r, x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Equal(new[] { "release", "ship", "publish:all" }, p.Chain.Select(l => l.Script).ToArray());
            Assert.Equal("npm run release → release → ship → publish:all → npm publish --provenance", p.Describe("npm run release"));
            Assert.Equal("dist", p.Directory);
            Assert.True(p.Command.Provenance);
        }

        [Fact]
        public void A_script_that_does_not_publish_reaches_no_publish()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"scripts\":{\"publish-docs\":\"typedoc && gh-pages -d docs\",\"echo\":\"echo npm publish\"}}",
            };
            Assert.DoesNotContain(Reach("npm run publish-docs", files), x => PublishKinds.Contains(x.Command.Kind));
            Assert.DoesNotContain(Reach("npm run echo", files), x => PublishKinds.Contains(x.Command.Kind));
            Assert.Empty(Reach("npm run missing", files));
        }

        [Fact]
        public void Cycles_end()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"scripts\":{\"a\":\"npm run b\",\"b\":\"npm run a && npm run c\",\"c\":\"npx semantic-release\"}}",
            };
            var r = Reach("npm run a", files);
            Assert.Contains(r, x => x.Command.Kind == NpmCommandKind.ReleaseTool && x.Chain.Select(l => l.Script).SequenceEqual(new[] { "a", "b", "c" }));
        }

        [Fact]
        public void Pre_and_post_scripts_and_publish_lifecycle()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"scripts\":{\"prerelease\":\"echo //r/:_authToken=$NPM_TOKEN > .npmrc\",\"release\":\"npm publish\",\"prepublishOnly\":\"npm run build\",\"build\":\"tsc\",\"postpublish\":\"npm run announce\",\"announce\":\"lerna publish from-package\"}}",
            };
            var r = Reach("npm run release", files);
            Assert.Contains(r, x => x.Command.Kind == NpmCommandKind.NpmrcWrite && x.Chain[0].Script == "prerelease");
            Assert.Contains(r, x => x.Command.Kind == NpmCommandKind.ReleaseTool && x.Chain.Select(l => l.Script).SequenceEqual(new[] { "release", "postpublish", "announce" }));
            // a publish with --ignore-scripts runs no lifecycle scripts
            Assert.DoesNotContain(Reach("npm publish --ignore-scripts", files), x => x.Command.Kind == NpmCommandKind.ReleaseTool);
        }

        [Fact]
        public void Workspaces_by_path_name_and_all()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"workspaces\":[\"packages/*\"],\"scripts\":{}}",
                ["packages/a/package.json"] = "{\"name\":\"@s/a\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["packages/b/package.json"] = "{\"name\":\"@s/b\",\"scripts\":{\"release\":\"echo no\"}}",
            };
            Assert.Contains(Reach("npm run release -w packages/a", files), x => x.Command.Kind == NpmCommandKind.Publish && x.Directory == "packages/a");
            Assert.Contains(Reach("npm run release --workspace=@s/a", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.DoesNotContain(Reach("npm run release -w @s/b", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Contains(Reach("npm run release --workspaces", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Contains(Reach("pnpm -r release", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Contains(Reach("pnpm --filter @s/* run release", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Contains(Reach("yarn workspace @s/a release", files), x => x.Command.Kind == NpmCommandKind.Publish);
            Assert.Contains(Reach("cd packages/a && npm run release", files), x => x.Command.Kind == NpmCommandKind.Publish);
        }

        [Fact]
        public void Double_star_workspaces_reach_any_depth_and_negations_exclude()
        {
            var files = new Dictionary<string, string>
            {
                ["package.json"] = "{\"workspaces\":[\"packages/**\",\"!packages/internal/**\",\"tools/cli-*\"],\"scripts\":{}}",
                ["packages/libs/core/package.json"] = "{\"name\":\"@s/core\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["packages/libs/deep/ui/kit/package.json"] = "{\"name\":\"@s/kit\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["packages/internal/secret/package.json"] = "{\"name\":\"@s/secret\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["packages/libs/core/node_modules/dep/package.json"] = "{\"name\":\"dep\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["tools/cli-main/package.json"] = "{\"name\":\"@s/cli\",\"scripts\":{\"release\":\"npm publish\"}}",
                ["tools/other/package.json"] = "{\"name\":\"@s/other\",\"scripts\":{\"release\":\"npm publish\"}}",
            };
            var dirs = Reach("npm run release --workspaces", files).Where(x => x.Command.Kind == NpmCommandKind.Publish).Select(x => x.Directory).OrderBy(d => d).ToList();
            Assert.Equal(new[] { "packages/libs/core", "packages/libs/deep/ui/kit", "tools/cli-main" }, dirs);
            Assert.Contains(Reach("npm run release -w @s/kit", files), x => x.Command.Kind == NpmCommandKind.Publish && x.Directory == "packages/libs/deep/ui/kit");
        }

        [Fact]
        public void Implicit_script_falls_back_to_the_binary()
        {
            // no "semantic-release" script: yarn runs the binary, which publishes
            var files = new Dictionary<string, string> { ["package.json"] = "{\"scripts\":{\"go\":\"yarn semantic-release\"}}" };
            Assert.Contains(Reach("npm run go", files), x => x.Command.Kind == NpmCommandKind.ReleaseTool && x.Chain.Single().Script == "go");
            // a named script wins over a binary of the same name
            var shadowed = new Dictionary<string, string> { ["package.json"] = "{\"scripts\":{\"go\":\"yarn deploy\",\"deploy\":\"npm publish\"}}" };
            Assert.Contains(Reach("npm run go", shadowed), x => x.Command.Kind == NpmCommandKind.Publish && x.Chain.Select(l => l.Script).SequenceEqual(new[] { "go", "deploy" }));
        }

        [Fact]
        public void Deep_and_wide_chains_stay_bounded()
        {
            // 200 scripts each calling the next two: exponential paths, bounded work
            var scripts = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"s{i}\":\"npm run s{i + 1} && npm run s{i + 2} && npm publish\""));
            var files = new Dictionary<string, string> { ["package.json"] = "{\"scripts\":{" + scripts + "}}" };
            var r = Reach("npm run s0", files);
            Assert.InRange(r.Count, 1, PackageScriptResolver.MaxReaches);
            Assert.All(r, x => Assert.InRange(x.Chain.Count, 1, PackageScriptResolver.MaxDepth + 1));
        }

        [Fact]
        public void Invalid_package_json_read_first_by_the_repository_is_still_a_problem_for_the_resolver()
        {
            // the resolver reads through the repository's one parse: a cached "not a JSON object" must stay a problem
            var repo = new InMemoryRepository(new Dictionary<string, string> { ["package.json"] = "{ not json", ["a/package.json"] = "[1]" });
            Assert.Null(repo.ReadPackageJson(""));
            Assert.Null(repo.ReadPackageJson("a"));
            Assert.Null(repo.ReadPackageJson("missing"));
            var resolver = new PackageScriptResolver(repo);
            var n = NpmCommandClassifier.Classify(ShellScriptReader.Read("npm run x", CiShell.Posix)[0])[0];
            Assert.Empty(resolver.Resolve(n, ""));
            Assert.Empty(resolver.Resolve(n, "a"));
            Assert.Empty(resolver.Resolve(n, "missing"));
            Assert.Equal(new[] { "package.json: not valid JSON", "a/package.json: not valid JSON" }, resolver.Problems);
        }

        [Fact]
        public void A_script_read_once_per_shell_and_text()
        {
            var resolver = new PackageScriptResolver(new InMemoryRepository(new Dictionary<string, string>()));
            const string text = "cd pkg & npm publish";
            var posix = resolver.ReadScript(text, CiShell.Posix);
            Assert.Same(posix, resolver.ReadScript(text, CiShell.Posix));
            Assert.Same(posix, resolver.ReadScript(text, CiShell.Unknown));
            var cmd = resolver.ReadScript(text, CiShell.Cmd);
            Assert.NotSame(posix, cmd);
            Assert.Equal(CiShell.Cmd, cmd.Shell);
            Assert.Equal(ShellScriptReader.Read(text, CiShell.Cmd).Select(c => c.Text + "|" + c.WorkingDirectory), cmd.Select(c => c.Text + "|" + c.WorkingDirectory));
            Assert.Equal(ShellScriptReader.Read(text, CiShell.Posix).Select(c => c.Text + "|" + c.WorkingDirectory), posix.Select(c => c.Text + "|" + c.WorkingDirectory));
        }

        [Fact]
        public void Invalid_package_json_is_a_problem_not_an_exception()
        {
            var repo = new InMemoryRepository(new Dictionary<string, string> { ["package.json"] = "{ not json" });
            var resolver = new PackageScriptResolver(repo);
            var n = NpmCommandClassifier.Classify(ShellScriptReader.Read("npm run x", CiShell.Posix)[0])[0];
            Assert.Empty(resolver.Resolve(n, ""));
            Assert.Contains(resolver.Problems, p => p.Contains("package.json"));
        }
    }
}
