using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Tests.Lockfiles.Legacy;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    /// <summary>
    /// The comparison and the tree placement as rewritten for speed (flat edge arrays built on the first placement, the
    /// graphs' key index shared with the pairing, identical pairs skipped early, one URL parsed per registry) against
    /// the code they replaced (<see cref="LegacyLockfileComparer"/>, <see cref="LegacyLockfileGraph"/>): every field of
    /// every change, and every entry's placement, must come out the same, on random trees with the shapes a lockfile
    /// can take (cycles, nested copies, workspaces and their links, a key listed twice, aliases, dependencies nothing
    /// installs, odd URLs) and on a pair shaped like the bench's.
    /// </summary>
    public sealed class LockfileCompareDifferentialTests
    {
        private static readonly string[] Pool =
        {
            "a", "b", "c", "d", "e", "ab", "@s/a", "@s/b", "@t/x", "node", "lodash", "qs", "debug", "ms", "w1", "w2", "ghost",
        };

        private static readonly string?[] Urls =
        {
            null, "https://registry.npmjs.org/{0}/-/{0}-1.0.0.tgz", "https://registry.npmjs.org/{0}/-/{0}-2.0.0.tgz",
            "https://mirror.example.net/{0}/-/{0}-1.0.0.tgz", "https://REGISTRY.npmjs.org/{0}.tgz", "http://registry.npmjs.org/{0}.tgz",
            "https://user:pass@private.example.com:8443/{0}.tgz", "https://registry.npmjs.org?{0}", "https://registry.npmjs.org#{0}",
            "https://odd.example.com\\{0}.tgz", "https://", "git+ssh://git@github.com/o/{0}.git#0123456789abcdef0123456789abcdef01234567",
            "file:../{0}", "https://registry.npmjs.org", "https://bad host/{0}.tgz", "https://[::1]:4873/{0}.tgz",
        };

        private static readonly string?[] Integrities =
        {
            null, "", "sha512-AAAA", "sha512-BBBB", "sha1-CCCC", "sha512-AAAA sha1-CCCC", " sha512-AAAA ", "sha256-DDDD", "sha512-BBBB?opt",
        };

        private static readonly string?[] Versions = { "1.0.0", "1.0.1", "2.0.0", "0.9.0", "1.0.0-rc.1", "v1.0.0", null, "github:o/r" };

        [Fact]
        public void The_comparison_matches_the_code_it_replaced_on_random_trees()
        {
            var random = new Random(1515);
            for (int round = 0; round < 400; round++)
            {
                var before = RandomTree(random, random.Next(1, 80));
                var after = Mutate(random, before);
                long budget = random.Next(5) == 0 ? random.Next(1, 400) : 64_000_000;
                AssertSame(before, after, budget, $"round {round}");
                AssertSame(after, before, budget, $"round {round}, reversed");
            }
        }

        [Fact]
        public void Every_placement_matches_the_code_it_replaced_including_the_walk_for_large_trees()
        {
            var random = new Random(77);
            for (int round = 0; round < 300; round++)
            {
                var nodes = RandomTree(random, random.Next(1, 120));
                long budget = random.Next(4) == 0 ? random.Next(1, 300) : 64_000_000;
                bool walk = random.Next(3) == 0;   // bit sets refused: one walk up per entry, on the shared budget
                var legacy = new LegacyLockfileGraph(nodes, budget) { MaxReachWords = walk ? 0 : LegacyLockfileGraph.DefaultMaxReachWords };
                var graph = new LockfileGraph(nodes, budget) { MaxReachWords = walk ? 0 : LockfileGraph.DefaultMaxReachWords };
                for (int i = -1; i <= nodes.Count; i++)
                    Assert.True(Show(legacy.Place(i)) == Show(graph.Place(i)),
                        $"round {round}, entry {i} ({(i >= 0 && i < nodes.Count ? nodes[i].Key : "none")}): legacy {Show(legacy.Place(i))}, new {Show(graph.Place(i))}");
                Assert.Equal(legacy.Complete, graph.Complete);
            }
        }

        [Fact]
        public void The_comparison_matches_the_code_it_replaced_on_a_pair_shaped_like_the_bench()
        {
            // 3,000 packages with 2-6 random dependencies each, a tenth also nested under another, 100 changes of every
            // kind; 150 direct dependencies so the reach sets take three words
            var (before, after) = BenchLikePair(new Random(15), 3000, 100, 150);
            var legacy = LegacyLockfileComparer.Compare(before, after, Options(64_000_000));
            var current = LockfileComparer.Compare(before, after, Options(64_000_000));
            Assert.True(legacy.Changes.Count >= 90, $"the fixture changed too little to test anything: {legacy.Changes.Count} change(s)");
            Assert.Contains(legacy.Changes, c => c.ViaCount > 64);
            Assert.Equal(Describe(legacy), Describe(current));
        }

        private static LockfileCompareOptions Options(long budget) => new LockfileCompareOptions
        {
            Path = "/repo/package-lock.json", ReferencePath = "/repo/old.json", VisitBudget = budget,
            Typosquat = name => name.Length == 2 ? "popular-" + name : null,
        };

        private static void AssertSame(List<LockNode> before, List<LockNode> after, long budget, string what)
        {
            var expected = Describe(LegacyLockfileComparer.Compare(before, after, Options(budget)));
            var actual = Describe(LockfileComparer.Compare(before, after, Options(budget)));
            if (expected.SequenceEqual(actual)) return;
            var keys = string.Join(", ", before.Select(n => n.Key)) + " || " + string.Join(", ", after.Select(n => n.Key));
            Assert.Fail($"{what}: the comparisons differ.\nlegacy:\n{string.Join("\n", expected)}\nnew:\n{string.Join("\n", actual)}\nkeys: {keys}");
        }

        /// <summary>Every field of every change, and the comparison's counts, one line each.</summary>
        private static List<string> Describe(LockfileComparison c)
        {
            var lines = new List<string>
            {
                string.Format(CultureInfo.InvariantCulture, "packages {0} reference {1} moved {2} complete {3}", c.Packages, c.ReferencePackages, c.Moved, c.Complete),
            };
            foreach (var x in c.Changes)
                lines.Add(string.Join(" | ", x.Change, x.Name, x.Before, x.After, x.PackagePath, x.ReferencePackagePath, x.Direct, string.Join(",", x.Via), x.ViaCount,
                    x.Chain, x.Dev, x.Optional, x.Risk, string.Join(",", x.RuleIds), string.Join(" // ", x.Reasons), x.ResolvedBefore, x.ResolvedAfter,
                    x.IntegrityBefore, x.IntegrityAfter, x.Path, x.ReferencePath, x.Line));
            return lines;
        }

        private static string Show(LockfileGraph.Placement p) => $"{p.Direct} [{string.Join(",", p.Via)}] {p.ViaCount} '{p.Chain}' {p.Complete}";

        private static string Show(LegacyLockfileGraph.Placement p) => $"{p.Direct} [{string.Join(",", p.Via)}] {p.ViaCount} '{p.Chain}' {p.Complete}";

        private static T Pick<T>(Random r, IReadOnlyList<T> from) => from[r.Next(from.Count)];

        /// <summary>
        /// A project with workspaces (their links, sometimes written with ./, file: or backslashes), top-level and nested
        /// packages, a key now and then listed twice or odd, aliases and nameless entries, and dependencies that form cycles,
        /// name the entry itself, repeat a name or name nothing installed.
        /// </summary>
        private static List<LockNode> RandomTree(Random r, int size)
        {
            var nodes = new List<LockNode> { new LockNode { Key = "", Name = "app", Version = "1.0.0", Dependencies = Deps(r, 0, 6) } };
            if (r.Next(3) == 0)
                foreach (var w in new[] { "w1", "w2" })
                {
                    nodes.Add(new LockNode { Key = "packages/" + w, Name = w, Version = "0.1.0", Dependencies = Deps(r, 0, 4) });
                    var target = Pick(r, new[] { "packages/" + w, "./packages/" + w, "file:packages/" + w, "packages\\" + w + "\\", "packages/missing" });
                    nodes.Add(new LockNode { Key = "node_modules/" + w, Name = w, Link = true, Resolved = target });
                }
            for (int i = 0; i < size; i++)
            {
                var packages = nodes.Where(n => n.Key.Contains("node_modules/") && !n.Link).Select(n => n.Key).ToList();
                var workspaces = nodes.Where(n => n.Key.StartsWith("packages/", StringComparison.Ordinal)).Select(n => n.Key).ToList();
                string parent = r.Next(10) switch
                {
                    < 6 => "",
                    < 9 when packages.Count > 0 => Pick(r, packages),
                    _ when workspaces.Count > 0 => Pick(r, workspaces),
                    _ => "",
                };
                var name = Pick(r, Pool);
                var key = (parent.Length == 0 ? "" : parent + "/") + "node_modules/" + name;
                if (r.Next(20) == 0) key = Pick(r, new[] { "/node_modules/" + name, "node_modules/", "x/node_modules/node_modules/" + name, key + "/" });   // odd keys a hostile lockfile may hold
                if (nodes.Any(n => n.Key == key) && r.Next(8) != 0) continue;   // now and then a key twice: the later entry wins
                var own = r.Next(12) switch { 0 => "", 1 => "alias-of-" + name, _ => name };
                nodes.Add(new LockNode
                {
                    Key = key, Name = own, Version = Pick(r, Versions), Resolved = Url(r, name), Integrity = Pick(r, Integrities),
                    HasInstallScript = r.Next(8) == 0, Dev = r.Next(5) == 0, Optional = r.Next(7) == 0, Dependencies = Deps(r, 0, 5),
                    Line = r.Next(4) == 0 ? null : r.Next(1, 1000),
                });
            }
            return nodes;
        }

        private static string[] Deps(Random r, int min, int max) => Enumerable.Range(0, r.Next(min, max + 1)).Select(_ => Pick(r, Pool)).ToArray();

        private static string? Url(Random r, string name) => Pick(r, Urls) is string u ? string.Format(CultureInfo.InvariantCulture, u, name) : null;

        /// <summary>The new lockfile: entries changed in every field the comparison reads, removed, moved, added and reordered.</summary>
        private static List<LockNode> Mutate(Random r, List<LockNode> before)
        {
            var after = new List<LockNode>();
            foreach (var n in before)
            {
                var c = LockfileComparerTests.Clone(n);
                switch (r.Next(14))
                {
                    case 0: continue;   // removed
                    case 1: c.Version = Pick(r, Versions); break;
                    case 2: c.Integrity = Pick(r, Integrities); break;
                    case 3: c.Resolved = Url(r, LockNode.NameFromKey(c.Key)); break;
                    case 4: c.HasInstallScript = !c.HasInstallScript; break;
                    case 5: c.Dependencies = Deps(r, 0, 5); break;
                    case 6:   // moved: hoisted, or nested under another entry
                        var name = LockNode.NameFromKey(c.Key);
                        if (name.Length > 0) c.Key = r.Next(2) == 0 ? "node_modules/" + name : Pick(r, before).Key + "/node_modules/" + name;
                        break;
                    case 7: c.Version = Pick(r, Versions); c.Integrity = Pick(r, Integrities); c.Resolved = Url(r, LockNode.NameFromKey(c.Key)); break;
                }
                after.Add(c);
            }
            for (int i = r.Next(0, 4); i > 0; i--)
            {
                var name = Pick(r, Pool);
                after.Add(new LockNode { Key = "node_modules/" + name + (r.Next(2) == 0 ? "" : "/node_modules/" + Pick(r, Pool)), Name = name, Version = Pick(r, Versions), Resolved = Url(r, name), Integrity = Pick(r, Integrities), HasInstallScript = r.Next(3) == 0, Dependencies = Deps(r, 0, 3) });
            }
            if (r.Next(4) == 0 && after.Count > 2)
            {
                int a = r.Next(1, after.Count), b = r.Next(1, after.Count);
                (after[a], after[b]) = (after[b], after[a]);
            }
            return after;
        }

        /// <summary>The bench's fixture in small: random dependencies between top-level packages, a tenth nested, changes of every kind.</summary>
        private static (List<LockNode> Before, List<LockNode> After) BenchLikePair(Random r, int packages, int changes, int directs)
        {
            var names = Enumerable.Range(0, packages).Select(i => (i % 3 == 0 ? "@scope" + (i % 5).ToString(CultureInfo.InvariantCulture) + "/" : "") + "pkg-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            var before = new List<LockNode> { new LockNode { Key = "", Name = "bench-app", Version = "1.0.0", Dependencies = names.Take(directs).ToList() } };
            var byKey = new Dictionary<string, LockNode>();
            foreach (var name in names)
            {
                var n = new LockNode
                {
                    Key = "node_modules/" + name, Name = name, Version = $"{r.Next(12)}.{r.Next(30)}.{r.Next(20)}",
                    Resolved = $"https://registry.npmjs.org/{name}/-/x.tgz", Integrity = "sha512-" + r.Next().ToString(CultureInfo.InvariantCulture),
                    Dependencies = Enumerable.Range(0, r.Next(2, 7)).Select(_ => names[r.Next(names.Count)]).Where(d => d != name).Distinct().ToList(),
                };
                before.Add(n);
                byKey[n.Key] = n;
            }
            for (int i = 0; i < packages / 10; i++)
            {
                var parent = before[r.Next(1, before.Count)];
                var child = names[r.Next(names.Count)];
                var key = parent.Key + "/node_modules/" + child;
                if (byKey.ContainsKey(key) || parent.Key.EndsWith("/" + child, StringComparison.Ordinal)) continue;
                var nested = new LockNode { Key = key, Name = child, Version = $"0.{r.Next(9)}.{r.Next(9)}", Resolved = $"https://registry.npmjs.org/{child}/-/y.tgz", Integrity = "sha512-n" + i.ToString(CultureInfo.InvariantCulture), Dependencies = new List<string>() };
                before.Add(nested);
                byKey[key] = nested;
                ((List<string>)parent.Dependencies).Add(child);
            }
            var after = before.Select(LockfileComparerTests.Clone).ToList();
            var targets = Enumerable.Range(1, after.Count - 1).OrderBy(_ => r.Next()).Take(changes).OrderByDescending(i => i).ToList();
            for (int k = 0; k < targets.Count; k++)
            {
                var e = after[targets[k]];
                switch (k % 10)
                {
                    case < 5: e.Version = "99.0." + k.ToString(CultureInfo.InvariantCulture); e.Integrity = "sha512-up" + k.ToString(CultureInfo.InvariantCulture); break;
                    case 5: after.RemoveAt(targets[k]); break;
                    case 6: e.Integrity = "sha512-swap" + k.ToString(CultureInfo.InvariantCulture); break;
                    case 7: e.Resolved = "https://mirror.example.net/x.tgz"; break;
                    case 8: e.Version = "0.0.1"; e.HasInstallScript = true; break;
                    default:
                        var added = "added-" + k.ToString(CultureInfo.InvariantCulture);
                        after.Add(new LockNode { Key = "node_modules/" + added, Name = added, Version = "1.0.0", Resolved = "https://elsewhere.example.org/a.tgz", Integrity = "sha512-new" });
                        after[0].Dependencies = after[0].Dependencies.Concat(new[] { added }).ToArray();
                        break;
                }
            }
            return (before, after);
        }
    }
}
