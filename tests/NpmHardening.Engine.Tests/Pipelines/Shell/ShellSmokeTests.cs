using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    public class ShellSmokeTests
    {
        [Fact]
        public void Smoke()
        {
            var s = ShellScriptReader.Read("set -ex\ncd packages/a && echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" >> .npmrc\nnpm --registry https://r.example publish --provenance # hi\ncat <<EOF > ~/.npmrc\n//x/:_authToken=$T\nEOF\nnpx -y semantic-release@24 --dry-run", CiShell.Posix);
            foreach (var c in s) foreach (var n in NpmCommandClassifier.Classify(c)) System.Console.WriteLine(c + " => " + n + " wd=" + c.WorkingDirectory + " trace=" + c.TraceActive + " tokens=" + string.Join(",", n.TokenNames) + " reg=" + n.Registry + " prov=" + n.Provenance);
            Assert.Equal(6, s.Count);
            Assert.DoesNotContain("#", s[2].Text);
        }
    }
}
namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    public class ResolverSmokeTests
    {
        [Fact]
        public void ChainOfThree()
        {
            var repo = new InMemoryRepository(new System.Collections.Generic.Dictionary<string, string>
            {
                ["package.json"] = "{\"scripts\":{\"release\":\"npm run build && npm run publish:all\",\"publish:all\":\"pnpm -r publish --access public\",\"build\":\"tsc\"},\"workspaces\":[\"packages/*\"]}",
                ["packages/a/package.json"] = "{\"name\":\"a\",\"scripts\":{\"prepublishOnly\":\"echo //r/:_authToken=$NPM_TOKEN > .npmrc\"}}",
            });
            var r = new PackageScriptResolver(repo, repo.ListDirectories);
            var cmd = ShellScriptReader.Read("npm run release", CiShell.Posix)[0];
            var reach = r.Resolve(NpmCommandClassifier.Classify(cmd)[0], "");
            foreach (var x in reach) System.Console.WriteLine(x.Command.Kind + ": " + x.Describe("release") + " in " + x.Directory);
            Assert.Contains(reach, x => x.Command.Kind == NpmCommandKind.Publish && x.Chain.Count == 2);
            Assert.Contains(reach, x => x.Command.Kind == NpmCommandKind.NpmrcWrite && x.Directory == "packages/a");
        }
    }
}
