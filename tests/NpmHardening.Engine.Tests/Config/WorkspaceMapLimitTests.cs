using System.Collections.Generic;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// The workspaces' package.json files belong to whoever owns the project, and a privileged run over that project
    /// (Set-NpmHardening -Scope Project, Get-NpmConfig -Path) maps them: their total is bounded, not only each one.
    /// </summary>
    public class WorkspaceMapLimitTests
    {
        private static FakePlatform Monorepo(int workspaces, int bytesEach)
        {
            var p = new FakePlatform(false, "/w", "/home/u");
            p.AddFile("/w/package.json", "{\"workspaces\":[\"p/*\"]}");
            var padding = new string('a', bytesEach);
            for (int i = 0; i < workspaces; i++)
                p.AddFile($"/w/p/{i:D3}/package.json", "{\"name\":\"p" + i + "\",\"x\":\"" + padding + "\"}");
            return p;
        }

        [Fact]
        public void Workspaces_beyond_the_total_are_an_error_not_read_one_by_one()
        {
            // 20 files of 1 MiB: each under the per-file limit, together beyond what one root may make the module read
            var p = Monorepo(20, 1 << 20);
            var e = Assert.Throws<WorkspaceMapException>(() => WorkspaceMap.Map(p, "/w", new List<object?> { "p/*" }));
            Assert.Equal("ETOOLARGE", e.Code);
            Assert.Equal("/w/package.json", e.Source);
        }

        [Fact]
        public void An_ordinary_monorepo_still_maps()
        {
            var map = WorkspaceMap.Map(Monorepo(200, 2000), "/w", new List<object?> { "p/*" });
            Assert.Equal(200, map.Count);
            Assert.Equal("p0", map[0].Name);
        }
    }
}
