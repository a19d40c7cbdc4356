using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Lockfiles;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    /// <summary>
    /// The graph finds a dependency through an index of where each name is installed; node's own way is one folder up
    /// at a time (<see cref="LockfileGraph.ResolveByWalk"/>). Both must pick the same entry for every folder and name,
    /// on trees that nest, scope, repeat keys, hold workspaces and odd keys.
    /// </summary>
    public sealed class LockfileGraphResolveTests
    {
        private static readonly string[] Names =
        {
            "a", "b", "ab", "c", "@s/a", "@s/b", "@t/node", "node", "modules", "node_modules", "@x/node_modules", "d-e", "a.b",
        };

        [Fact]
        public void The_name_index_resolves_as_the_upward_walk_on_random_trees()
        {
            var random = new Random(15);
            for (int tree = 0; tree < 300; tree++)
            {
                var keys = new List<string> { "", "packages/web", "packages/api" };
                int count = random.Next(1, 60);
                for (int i = 0; i < count; i++)
                {
                    var parent = random.Next(3) == 0 ? "" : keys[random.Next(keys.Count)];
                    var name = Names[random.Next(Names.Length)];
                    keys.Add(parent.Length == 0 ? "node_modules/" + name : parent + "/node_modules/" + name);
                }
                if (random.Next(4) == 0) keys.Add(keys[random.Next(keys.Count)]);   // a key twice: the later entry wins
                if (random.Next(6) == 0) keys.Add("node_modules/");                 // odd keys a hostile lockfile may hold
                if (random.Next(6) == 0) keys.Add("weird/node_modules");
                var nodes = keys.Select(k => new LockNode { Key = k, Name = LockNode.NameFromKey(k) }).ToList();
                var graph = new LockfileGraph(nodes);
                var froms = keys.Concat(new[] { "node_modules/zz", "packages/web/node_modules/a/node_modules/zz" }).Distinct();
                foreach (var from in froms)
                    foreach (var name in Names.Concat(new[] { "zz" }))
                        Assert.True(graph.Resolve(from, name) == graph.ResolveByWalk(from, name),
                            $"tree {tree}: from '{from}' name '{name}': index {graph.Resolve(from, name)}, walk {graph.ResolveByWalk(from, name)}; keys: {string.Join(", ", keys)}");
            }
        }

        [Fact]
        public void The_nearest_copy_wins()
        {
            var keys = new[] { "", "node_modules/a", "node_modules/b", "node_modules/a/node_modules/b", "node_modules/a/node_modules/c", "node_modules/a/node_modules/c/node_modules/d" };
            var graph = new LockfileGraph(keys.Select(k => new LockNode { Key = k, Name = LockNode.NameFromKey(k) }).ToList());
            Assert.Equal(3, graph.Resolve("node_modules/a/node_modules/c/node_modules/d", "b"));   // a's own b, not the top-level one
            Assert.Equal(2, graph.Resolve("node_modules/c", "b"));
            Assert.Equal(-1, graph.Resolve("node_modules/b", "c"));                                  // c is only under a
            Assert.Equal(4, graph.Resolve("node_modules/a", "c"));
        }
    }
}
