using System;
using System.Collections.Generic;
using System.Threading;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The dependency edges of one lockfile, resolved as node does (the nearest <c>node_modules/&lt;name&gt;</c> walking up
    /// from the dependent's folder, a link followed to its target), kept as reverse edges so that for a changed entry
    /// the comparison can find which direct dependencies pull it in and one shortest chain down to it.
    /// </summary>
    /// <remarks>
    /// Each question walks up from the entry (breadth first, so the first direct dependency met ends the shortest chain).
    /// All questions share one visit budget: a 10,000-entry tree with a few hundred changes stays far below it, and a tree
    /// shaped to make every walk visit everything stops at it with <see cref="Complete"/> false instead of running long.
    /// </remarks>
    internal sealed class LockfileGraph
    {
        /// <summary>Names listed in <see cref="Placement.Via"/> at most.</summary>
        public const int ViaNames = 10;

        private readonly IReadOnlyList<LockNode> _nodes;
        private readonly Dictionary<string, int> _index;
        private readonly List<int>[] _parents;
        private readonly bool[] _direct;
        private long _budget;

        public LockfileGraph(IReadOnlyList<LockNode> nodes, long visitBudget = 4_000_000, CancellationToken cancellationToken = default)
        {
            _nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
            _budget = visitBudget;
            _index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
            for (int i = 0; i < nodes.Count; i++) _index[nodes[i].Key] = i;   // a duplicate key: the later entry wins, as in a JSON object read twice
            _parents = new List<int>[nodes.Count];
            _direct = new bool[nodes.Count];
            for (int i = 0; i < nodes.Count; i++)
            {
                if ((i & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                var node = nodes[i];
                if (node.Link)
                {
                    if (node.Resolved != null && _index.TryGetValue(LinkTarget(node.Resolved), out int target) && target != i) AddEdge(i, target);
                    continue;   // a link's dependencies are its target's
                }
                bool project = LockNode.IsProjectFolder(node.Key);
                foreach (var name in node.Dependencies)
                {
                    int child = Resolve(node.Key, name);
                    if (child < 0 || child == i) continue;
                    AddEdge(i, child);
                    if (project && !LockNode.IsProjectFolder(nodes[child].Key)) _direct[child] = true;
                }
            }
            // The reader keeps the project's dependencies and optionalDependencies, not its devDependencies or
            // peerDependencies; a top-level package nothing installed depends on can only be one of those (or
            // extraneous), so it counts as direct too.
            for (int i = 0; i < nodes.Count; i++)
            {
                if (_direct[i] || !nodes[i].Key.StartsWith("node_modules/", StringComparison.Ordinal) || ParentFolder(nodes[i].Key).Length != 0) continue;
                var parents = _parents[i];
                bool pulled = false;
                if (parents != null)
                    foreach (int p in parents)
                        if (!LockNode.IsProjectFolder(nodes[p].Key)) { pulled = true; break; }
                if (!pulled) _direct[i] = true;
            }
        }

        /// <summary>False once the visit budget ran out: some placements lack direct dependencies or a chain.</summary>
        public bool Complete { get; private set; } = true;

        public int Count => _nodes.Count;

        public int IndexOf(string key) => _index.TryGetValue(key, out int i) ? i : -1;

        private void AddEdge(int parent, int child) => (_parents[child] ??= new List<int>(2)).Add(parent);

        /// <summary>The entry node would load for <c>require(name)</c> from the folder <paramref name="from"/>; -1 when none.</summary>
        public int Resolve(string from, string name)
        {
            var folder = from;
            while (true)
            {
                var candidate = folder.Length == 0 ? "node_modules/" + name : folder + "/node_modules/" + name;
                if (_index.TryGetValue(candidate, out int found)) return found;
                if (folder.Length == 0) return -1;
                folder = ParentFolder(folder);
            }
        }

        /// <summary>The folder whose node_modules holds <paramref name="key"/>: <c>a/node_modules/b</c> → <c>a</c>; a top-level entry or a workspace → the project.</summary>
        private static string ParentFolder(string key)
        {
            int at = key.LastIndexOf("/node_modules/", StringComparison.Ordinal);
            return at >= 0 ? key.Substring(0, at) : "";
        }

        /// <summary>A link's resolved is the target's folder relative to the project (<c>packages/web</c>, maybe with <c>./</c> or backslashes).</summary>
        private static string LinkTarget(string resolved)
        {
            var t = resolved.Replace('\\', '/');
            if (t.StartsWith("file:", StringComparison.Ordinal)) t = t.Substring(5);
            while (t.StartsWith("./", StringComparison.Ordinal)) t = t.Substring(2);
            return t.TrimEnd('/');
        }

        /// <summary>Where entry <paramref name="node"/> sits: direct or not, the direct dependencies above it, one shortest chain.</summary>
        public Placement Place(int node)
        {
            var result = new Placement();
            if (node < 0 || node >= _nodes.Count) return result;
            result.Direct = _direct[node];
            var names = new List<string>();
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            // breadth first upwards; from[x] is the node x was reached from (one step closer to the changed entry)
            var from = new Dictionary<int, int> { [node] = -1 };
            var queue = new Queue<int>();
            queue.Enqueue(node);
            int firstDirect = -1;
            while (queue.Count > 0)
            {
                if (--_budget < 0) { Complete = false; result.Complete = false; break; }
                int x = queue.Dequeue();
                if (_direct[x])
                {
                    if (firstDirect < 0) firstDirect = x;
                    var name = _nodes[x].Name.Length > 0 ? _nodes[x].Name : LockNode.NameFromKey(_nodes[x].Key);
                    if (seenNames.Add(name)) names.Add(name);
                }
                var parents = _parents[x];
                if (parents == null) continue;
                foreach (int p in parents)
                {
                    if (from.ContainsKey(p) || LockNode.IsProjectFolder(_nodes[p].Key)) continue;
                    from[p] = x;
                    queue.Enqueue(p);
                }
            }
            result.ViaCount = names.Count;
            result.Via = names.Count <= ViaNames ? names.ToArray() : names.GetRange(0, ViaNames).ToArray();
            if (firstDirect >= 0)
            {
                var chain = new List<string>();
                for (int x = firstDirect; x >= 0; x = from[x])
                    chain.Add(_nodes[x].Name.Length > 0 ? _nodes[x].Name : LockNode.NameFromKey(_nodes[x].Key));
                result.Chain = string.Join(" > ", chain);
            }
            return result;
        }

        /// <summary>An entry's place in the tree.</summary>
        internal sealed class Placement
        {
            public bool Direct { get; set; }
            public string[] Via { get; set; } = Array.Empty<string>();
            public int ViaCount { get; set; }
            public string? Chain { get; set; }
            public bool Complete { get; set; } = true;
        }
    }
}
