using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>
    /// The workspace map against npm's own @npmcli/map-workspaces (map-workspaces.js), on generated monorepo
    /// trees: negated and double-negated patterns, dot folders, leading "/" and "./", ".." inside patterns,
    /// braces, classes, comments, symbolic links (to folders, to files, dangling, loops), node_modules,
    /// duplicate names, broken and odd package.json files, "workspaces" that is not an array; plus fixed trees that
    /// once disagreed. Compared: the (name, folder) list, or that both throw. Unix only (symbolic links).
    /// </summary>
    public class WorkspaceAgreementTests
    {
        private readonly ITestOutputHelper _output;
        public WorkspaceAgreementTests(ITestOutputHelper output) { _output = output; }

        private static readonly string[] Patterns =
        {
            "packages/*", "packages/*", "packages/**", "!packages/b", "!packages/b", "!!packages/a", "!!!packages/c", "/packages/a", "./packages/a",
            "././packages/a", "//packages/a", "packages/../apps/*", "packages/a/../b", "../mono/packages/a", "../other", "packages/{a,b}",
            "packages/[ab]", "packages/?", "packages/.*", "packages/.dot", "**", "*", "packages/*/", "packages\\a", "#packages/a",
            "packages/**/sub", "!packages/**", "packages/a/", "", "!", "apps/**", "{packages,apps}/*", "packages/{a..c}", "packages/@scope/*",
            "**/sub", "packages//a", "apps/web/node_modules/*", ".hid/*", "packages/link", "packages/**/*", "!packages/a/**", "packages/a/sub",
            "!**/sub", "packages/A", "{/packages/a,packages/b}", "packages/*/../c",
        };

        private static readonly string[] Manifests =
        {
            "{\"name\":\"{N}\"}", "{\"name\":\"{N}\"}", "{\"name\":\"{N}\"}", "{}", "{\"name\":\"dup\"}", "{ broken", "", "null", "5", "[]",
            "{\"bin\":[5]}", "{\"directories\":{\"bin\":5}}", "\uFEFF{\"name\":\"bom-{N}\"}", "{\"name\":5}", "{\"name\":{\"toString\":1}}", "DIR", "MISSING",
            "{\"name\":\"{N}\",\"bin\":\"x\"}",
        };

        private static readonly string[] Folders =
            { "packages/a", "packages/b", "packages/c", "packages/.dot", "packages/@scope/x", "packages/a/sub", "apps/web", "apps/web/node_modules/dep", ".hid/x", "node_modules/nm", "../other", "packages/A" };

        private sealed class Case
        {
            public string Seed = "";
            public List<object?>? Workspaces;
            public object? Declared;
            public Dictionary<string, string> Manifests = new Dictionary<string, string>(StringComparer.Ordinal);
            public List<(string Link, string Target)> Links = new List<(string, string)>();
            public string Describe() =>
                $"  seed {Seed}\n  workspaces {Js.Js.ToJson(Declared)}\n" +
                string.Concat(Manifests.Select(m => $"  {m.Key}/package.json = {Js.Js.ToJson(m.Value)}\n")) +
                string.Concat(Links.Select(l => $"  {l.Link} -> {l.Target}\n"));
        }

        private static Case Generate(PCG pcg)
        {
            var c = new Case { Seed = pcg.ToString() };
            int Int(int lo, int hi) => lo + (int)pcg.Next((uint)(hi - lo + 1));
            bool Chance(double p) => pcg.Next(1000) < (uint)(p * 1000);
            var patterns = new List<object?>();
            int n = Int(1, 4);
            for (int i = 0; i < n; i++) patterns.Add(Patterns[Int(0, Patterns.Length - 1)]);
            if (Chance(0.03)) patterns.Add(Chance(0.5) ? (object?)5.0 : null);
            c.Workspaces = patterns;
            c.Declared = Chance(0.1) ? new JsObject { ["packages"] = patterns }
                : Chance(0.03) ? (object?)"packages/*" : Chance(0.02) ? new JsObject() : patterns;
            foreach (var f in Folders)
            {
                if (!Chance(0.75)) continue;
                var name = f.Replace('/', '-').TrimStart('.', '-');
                var m = Chance(0.94) ? Manifests[Int(0, 3)] : Manifests[Int(0, Manifests.Length - 1)];
                c.Manifests[f] = m.Replace("{N}", name);
            }
            if (Chance(0.3)) c.Links.Add(("packages/link", Chance(0.5) ? "a" : "/nonexistent-npmh"));
            if (Chance(0.15)) c.Links.Add(("packages/flink", "../package.json"));
            if (Chance(0.1)) c.Links.Add(("packages/loop", "."));
            if (Chance(0.1)) c.Links.Add(("apps/mirror", "../packages"));
            return c;
        }

        /// <summary>A tree written by hand: every folder gets {"name": its dashed path} unless given another manifest.</summary>
        private static Case Fixed(string name, string[] patterns, string[] folders, params (string Link, string Target)[] links)
        {
            var c = new Case { Seed = "fixed: " + name, Workspaces = patterns.Cast<object?>().ToList() };
            c.Declared = c.Workspaces;
            foreach (var f in folders) c.Manifests[f] = "{\"name\":\"" + f.Replace('/', '-').TrimStart('.', '-') + "\"}";
            c.Links.AddRange(links);
            return c;
        }

        /// <summary>Trees that once disagreed (run with every generated batch).</summary>
        private static IEnumerable<Case> FixedCases() => new[]
        {
            // "" maps the root itself; a link to "." is the folder itself (its "." entry), not a new one
            Fixed("empty-pattern-is-the-root", new[] { "", "packages/.*" }, new[] { "packages/a", "packages/.dot" }, ("packages/loop", ".")),
            Fixed("empty-pattern-with-globstar", new[] { "", "**/sub" }, new[] { "packages/a", "packages/a/sub" }, ("apps/mirror", "../packages")),
            // packages/loop -> . makes packages/loop/a another path to packages/a: npm stops with EDUPLICATEWORKSPACE
            Fixed("globstar-star-through-loop", new[] { "**", "!packages/b", "packages/**/*" }, new[] { "packages/b", "packages/c", "packages/a/sub", "apps/web" }, ("packages/loop", ".")),
            Fixed("globstar-star-loop-only", new[] { "packages/**/*" }, new[] { "packages/a", "packages/a/sub" }, ("packages/loop", ".")),
            // a leading "/" inside braces is not stripped: "/packages/a" is absolute
            Fixed("leading-slash-in-braces", new[] { "{/packages/a,packages/b}", "" }, new[] { "packages/a", "packages/b" }),
            Fixed("dot-slash-twice-and-root", new[] { "././packages/a", "" }, new[] { "packages/a" }),
        };

        private static void Materialize(Case c, string dir)
        {
            var root = Path.Combine(dir, "mono");
            Directory.CreateDirectory(Path.Combine(root, "packages"));
            Directory.CreateDirectory(Path.Combine(root, "apps"));
            File.WriteAllText(Path.Combine(root, "package.json"), "{\"name\":\"mono\"}");
            foreach (var (folder, manifest) in c.Manifests)
            {
                var full = Path.GetFullPath(Path.Combine(root, folder));
                Directory.CreateDirectory(full);
                if (manifest == "MISSING") continue;
                if (manifest == "DIR") Directory.CreateDirectory(Path.Combine(full, "package.json"));
                else File.WriteAllText(Path.Combine(full, "package.json"), manifest, new UTF8Encoding(false));
            }
            foreach (var (link, target) in c.Links)
            {
                var full = Path.Combine(root, link);
                if (!File.Exists(full) && !Directory.Exists(full)) File.CreateSymbolicLink(full, target);
            }
        }

        [Fact]
        public void Workspace_map_agrees_with_npm_map_workspaces_on_generated_trees()
        {
            if (OperatingSystem.IsWindows()) return; // symbolic links need privileges there; the Unix run covers the logic
            var peers = new NpmPeers();
            var baseDir = Path.Combine(Path.GetTempPath(), "npmh-workspaces-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var master = new PCG(11, (ulong)DateTime.UtcNow.Ticks);
            var seedVar = Environment.GetEnvironmentVariable("NPMH_WORKSPACE_SEED");
            if (!string.IsNullOrWhiteSpace(seedVar)) master = PCG.Parse(seedVar.Trim());
            var masterSeed = master.ToString();
            _output.WriteLine($"master seed {masterSeed} (NPMH_WORKSPACE_SEED={masterSeed})");
            var cases = Enumerable.Range(0, 300).Select(_ => Generate(new PCG(master.Next(), master.Next64()))).Concat(FixedCases()).ToList();
            try
            {
                var requests = new List<object?>();
                for (int i = 0; i < cases.Count; i++)
                {
                    var dir = Path.Combine(baseDir, i.ToString("D4"));
                    Materialize(cases[i], dir);
                    requests.Add(new JsObject { ["cwd"] = Path.Combine(dir, "mono"), ["workspaces"] = cases[i].Declared });
                }
                var clock = Stopwatch.StartNew();
                var answers = peers.RunScript("map-workspaces.js", requests);
                var npmTime = clock.Elapsed;
                clock.Restart();
                var failures = new List<string>();
                int errors = 0, undecided = 0, members = 0;
                for (int i = 0; i < cases.Count; i++)
                {
                    var cwd = Path.Combine(baseDir, i.ToString("D4"), "mono");
                    string ours;
                    try
                    {
                        var map = WorkspaceMap.Map(SystemPlatform.Instance, cwd, cases[i].Declared);
                        ours = string.Join("\n", map.Select(m => Js.Js.ToJson(m.Name) + "\t" + m.Path).OrderBy(x => x, StringComparer.Ordinal));
                        members += map.Count;
                    }
                    catch (WorkspaceMapException e) { ours = "error " + e.Code; }
                    catch (JsTypeErrorException) { ours = "error TypeError"; }
                    catch (UnsupportedGlobException) { undecided++; continue; }
                    var a = answers[i];
                    string npm = a["error"] is string
                        ? "error " + (a["code"] as string ?? "TypeError")
                        : string.Join("\n", ((List<object?>)a["map"]!).Cast<List<object?>>().Select(e => (string)e[0]! + "\t" + (string)e[1]!).OrderBy(x => x, StringComparer.Ordinal));
                    if (npm.StartsWith("error ", StringComparison.Ordinal)) errors++;
                    bool same = npm.StartsWith("error ", StringComparison.Ordinal) ? ours.StartsWith("error ", StringComparison.Ordinal) : ours == npm;
                    if (!same) failures.Add($"{cases[i].Describe()}  npm:  {npm.Replace("\n", " | ")}\n  ours: {ours.Replace("\n", " | ")}\n");
                }
                _output.WriteLine($"{cases.Count} trees: {members} workspaces found, npm threw on {errors}, {undecided} left undecided (extended globs); {failures.Count} disagreements; map-workspaces {npmTime.TotalSeconds:0.0} s, engine {clock.Elapsed.TotalSeconds:0.0} s");
                Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} trees differ (replay: NPMH_WORKSPACE_SEED={masterSeed}):\n" + string.Join("\n", failures.Take(6)));
            }
            finally
            {
                try { Directory.Delete(baseDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
