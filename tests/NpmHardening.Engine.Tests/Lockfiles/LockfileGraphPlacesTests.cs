using System.Linq;
using CsCheck;
using NpmHardening.Engine.Lockfiles;
using Xunit;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    public class LockfileGraphPlacesTests
    {
        [Fact]
        public void Resolving_by_folder_numbers_finds_what_the_candidate_string_walk_finds()
        {
            // keys and names from pieces that make awkward splits: nested node_modules, scopes, workspaces, a leading
            // slash, names that contain node_modules themselves
            string[] pieces = { "node_modules/", "/node_modules/", "a", "b", "@s/c", "packages/w", "node_modules", "/", "x/node_modules/a", "" };
            var text = Gen.Int[0, pieces.Length - 1].Array[0, 5].Select(ix => string.Concat(ix.Select(i => pieces[i])));
            Gen.Select(text.Array[1, 12], text.Array[1, 6], text.Array[1, 6])
                .Sample((keys, froms, names) =>
                {
                    var nodes = keys.Select(k => new LockNode { Key = k }).ToList();
                    var graph = new LockfileGraph(nodes);
                    var places = new LockfileGraph.Places(nodes);
                    foreach (var from in froms.Concat(keys))
                        foreach (var name in names.Concat(keys.Select(LockNode.NameFromKey)))
                        {
                            int slow = graph.Resolve(from, name);
                            int fast = places.Resolve(places.FolderOf(from), name) ?? slow;
                            if (fast != slow) return false;
                        }
                    return true;
                }, iter: 3000);
        }
    }
}
