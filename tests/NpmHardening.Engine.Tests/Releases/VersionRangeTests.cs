using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpmHardening.Engine.Releases;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>
    /// -Version's range matcher against node-semver itself (the copy inside the installed npm): every range × every
    /// version must give satisfies()'s answer.
    /// </summary>
    public class VersionRangeTests
    {
        private static readonly string[] Ranges =
        {
            "*", "", "x", "1", "1.x", "1.2", "1.2.x", "1.2.3", "=1.2.3", "v1.2.3", ">1.2.3", ">=1.2.3", "<1.2.3", "<=1.2.3",
            ">1", ">1.2", ">=1.2", "<1.2", "<=1.2", "<=1", "<2", ">*", "<*",
            "~1.2.3", "~1.2", "~1", "~0.2.3", "~>1.2.3", "^1.2.3", "^0.2.3", "^0.0.3", "^1.2", "^0.0", "^1", "^0", "^0.x", "~1.2.3-beta.2", "^1.2.3-beta.2",
            "1.2.3 - 2.3.4", "1.2 - 2.3.4", "1.2.3 - 2.3", "1.2.3 - 2", ">=1.0.0 <2.0.0", ">= 1.0.0 < 2.0.0", "1.x || >=2.5.0 || 5.0.0 - 7.2.3",
            ">=2.0.0-rc.1 <2.0.0", "2.0.0-rc.1", ">1.2.3-alpha.3", "<1.0.0-0", ">=0.0.0",
        };

        private static readonly string[] Versions =
        {
            "0.0.0", "0.0.3", "0.0.4", "0.1.0", "0.2.3", "0.2.9", "0.3.0", "1.0.0", "1.0.0-0", "1.2.0", "1.2.2", "1.2.3", "1.2.3-alpha.3", "1.2.3-alpha.7",
            "1.2.3-beta.2", "1.2.3-beta.4", "1.2.4", "1.2.4-beta.1", "1.3.0", "1.9.9", "2.0.0", "2.0.0-rc.1", "2.0.0-rc.2", "2.0.0-0", "2.3.4", "2.3.5",
            "2.4.0", "2.5.0", "3.0.0", "5.0.0", "7.2.3", "7.2.4", "10.0.0", "not-a-version",
        };

        [Fact]
        public void Agrees_with_node_semver_satisfies()
        {
            var npmRoot = NpmRoot();
            if (npmRoot == null) return; // no npm on this machine: the peer is missing, nothing to compare with
            var script = Path.Combine(Path.GetTempPath(), "npmh-semver-" + Guid.NewGuid().ToString("n") + ".js");
            File.WriteAllText(script,
                "const semver = require(" + JsonSerializer.Serialize(Path.Combine(npmRoot, "npm", "node_modules", "semver")) + ");\n" +
                "const ranges = " + JsonSerializer.Serialize(Ranges) + "; const versions = " + JsonSerializer.Serialize(Versions) + ";\n" +
                "console.log(JSON.stringify(ranges.map(r => versions.map(v => { try { return semver.satisfies(v, r); } catch { return false; } }))));\n");
            try
            {
                var output = Run("node", "\"" + script + "\"");
                var expected = JsonSerializer.Deserialize<bool[][]>(output)!;
                Assert.Equal(Ranges.Length, expected.Length);
                var differences = (from i in Enumerable.Range(0, Ranges.Length)
                                   let range = NpmVersionRange.Parse(Ranges[i])
                                   from j in Enumerable.Range(0, Versions.Length)
                                   where range.IsSatisfiedBy(Versions[j]) != expected[i][j]
                                   select $"'{Ranges[i]}' vs {Versions[j]}: semver says {expected[i][j]}").ToList();
                Assert.Empty(differences);
            }
            finally { File.Delete(script); }
        }

        [Theory]
        [InlineData("1.2.3.4")]
        [InlineData("^^1")]
        [InlineData("latest")]
        [InlineData(">=01.2.3")]
        public void Forms_it_does_not_read_are_refused(string text)
        {
            Assert.False(NpmVersionRange.TryParse(text, out _));
        }

        private static string? NpmRoot()
        {
            try { return Run("npm", "root -g").Trim(); } catch { return null; }
        }

        private static string Run(string file, string args)
        {
            var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException(p.StandardError.ReadToEnd());
            return output;
        }
    }
}
