using NpmHardening.Engine.Lockfiles;
using System;
using System.Collections.Generic;
using System.Threading;

namespace NpmHardening.Engine.Tests.Lockfiles.Legacy
{
    /// <summary>
    /// The dependency edges of one lockfile, resolved as node does (the nearest <c>node_modules/&lt;name&gt;</c> walking up
    /// from the dependent's folder, a link followed to its target), kept as reverse edges so that for a changed entry
    /// the comparison can find which direct dependencies pull it in and one shortest chain down to it.
    /// </summary>
    /// <remarks>
    /// LockfileGraph as it was before its edges became flat arrays (main 7c22a2a), kept for
    /// LockfileCompareDifferentialTests; the only addition is the MaxReachWords seam, so a test can reach the walk.
    /// Built once per lockfile, on the first question: a breadth-first walk down from the direct dependencies gives every
    /// entry one shortest chain (linear in the edges), and bit sets propagated down the edges give every entry the
    /// direct dependencies that reach it. The propagation spends a budget of word operations (64 million by default);
    /// a tree shaped to make it grow without end stops there with <see cref="Complete"/> false (Via partial, chains
    /// still whole). A tree whose bit sets would pass 128 MiB falls back to one upward walk per change on the same budget.
    /// </remarks>
    internal sealed class LegacyLockfileGraph
    {
        /// <summary>Names listed in <see cref="Placement.Via"/> at most.</summary>
        public const int ViaNames = 10;

        private readonly IReadOnlyList<LockNode> _nodes;
        private readonly Dictionary<string, int> _index;
        // every entry by the name it is installed under (the part of its key after the last node_modules/), with the
        // folder whose node_modules holds it: Resolve then looks at the few places a name is installed instead of building
        // and looking up one candidate key per folder on the way up
        private readonly Dictionary<string, List<Installed>> _byName;
        private readonly List<int>[] _parents;
        private readonly List<int>[] _children;
        private readonly bool[] _direct;
        private readonly bool[] _project;
        private long _budget;

        // Filled on the first Place: which direct dependencies reach each entry (one bit per direct dependency, in
        // _directs order), and for each entry the entry one step closer to a direct dependency on a shortest chain.
        private bool _prepared;
        private int[] _directs = Array.Empty<int>();
        private int _words;
        private ulong[]? _reach;
        private int[]? _toward;

        /// <summary>Bits of reach kept at most (16M words, 128 MiB); a larger tree falls back to one walk per change.</summary>
        internal const long DefaultMaxReachWords = 16L << 20;

        /// <summary><see cref="DefaultMaxReachWords"/>; lower only in tests, to reach the walk on a small tree (before the first Place).</summary>
        internal long MaxReachWords { get; set; } = DefaultMaxReachWords;

        public LegacyLockfileGraph(IReadOnlyList<LockNode> nodes, long visitBudget = 64_000_000, CancellationToken cancellationToken = default)
        {
            _nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
            _budget = visitBudget;
            _index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
            for (int i = 0; i < nodes.Count; i++) _index[nodes[i].Key] = i;   // a duplicate key: the later entry wins, as in a JSON object read twice
            _byName = new Dictionary<string, List<Installed>>(nodes.Count, StringComparer.Ordinal);
            foreach (var pair in _index)
            {
                if (!SplitInstalled(pair.Key, out var folder, out var installedName)) continue;
                if (!_byName.TryGetValue(installedName, out var places)) _byName[installedName] = places = new List<Installed>(1);
                places.Add(new Installed(folder, pair.Value));
            }
            _parents = new List<int>[nodes.Count];
            _children = new List<int>[nodes.Count];
            _direct = new bool[nodes.Count];
            _project = new bool[nodes.Count];
            for (int i = 0; i < nodes.Count; i++) _project[i] = LockNode.IsProjectFolder(nodes[i].Key);
            for (int i = 0; i < nodes.Count; i++)
            {
                if ((i & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                var node = nodes[i];
                if (node.Link)
                {
                    if (node.Resolved != null && _index.TryGetValue(LinkTarget(node.Resolved), out int target) && target != i) AddEdge(i, target);
                    continue;   // a link's dependencies are its target's
                }
                bool project = _project[i];
                foreach (var name in node.Dependencies)
                {
                    int child = Resolve(node.Key, name);
                    if (child < 0 || child == i) continue;
                    AddEdge(i, child);
                    if (project && !_project[child]) _direct[child] = true;
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
                        if (!_project[p]) { pulled = true; break; }
                if (!pulled) _direct[i] = true;
            }
        }

        /// <summary>False once the visit budget ran out: some placements lack direct dependencies or a chain.</summary>
        public bool Complete { get; private set; } = true;

        public int Count => _nodes.Count;

        public int IndexOf(string key) => _index.TryGetValue(key, out int i) ? i : -1;

        private void AddEdge(int parent, int child)
        {
            (_parents[child] ??= new List<int>(2)).Add(parent);
            (_children[parent] ??= new List<int>(4)).Add(child);
        }

        /// <summary>The entry node would load for <c>require(name)</c> from the folder <paramref name="from"/>; -1 when none.</summary>
        public int Resolve(string from, string name)
        {
            // a name that itself holds "node_modules" could be split more than one way: walk for it
            if (name.IndexOf(NodeModules, StringComparison.Ordinal) >= 0) return ResolveByWalk(from, name);
            if (!_byName.TryGetValue(name, out var places)) return -1;
            // the folders ResolveByWalk tries are from itself, each prefix of it that ends where a "/node_modules/" starts,
            // and the project (""); of the places the name is installed, the nearest of those (the longest folder) wins
            int found = -1, foundLength = -1;
            foreach (var place in places)
            {
                var folder = place.Folder;
                if (folder.Length <= foundLength) continue;
                if (folder.Length == 0 || string.Equals(folder, from, StringComparison.Ordinal) ||
                    (from.Length > folder.Length + SlashNodeModulesSlash.Length && from.StartsWith(folder, StringComparison.Ordinal) &&
                     string.CompareOrdinal(from, folder.Length, SlashNodeModulesSlash, 0, SlashNodeModulesSlash.Length) == 0))
                {
                    found = place.Index;
                    foundLength = folder.Length;
                }
            }
            return found;
        }

        /// <summary><see cref="Resolve"/> as node does it, one folder up at a time (the reference the index is tested against).</summary>
        internal int ResolveByWalk(string from, string name)
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

        private const string NodeModules = "node_modules";
        private const string SlashNodeModulesSlash = "/node_modules/";

        /// <summary>Where a name is installed: the folder whose node_modules holds it ("" for the project's) and the entry.</summary>
        private sealed class Installed
        {
            public Installed(string folder, int index) { Folder = folder; Index = index; }
            public string Folder { get; }
            public int Index { get; }
        }

        /// <summary>
        /// <c>a/node_modules/@s/b</c> → folder <c>a</c>, name <c>@s/b</c>; <c>node_modules/b</c> → "", <c>b</c>. False for a key
        /// that is no package folder (the project, a workspace folder): ResolveByWalk never builds such a key either.
        /// </summary>
        private static bool SplitInstalled(string key, out string folder, out string name)
        {
            folder = name = "";
            int at = key.LastIndexOf(SlashNodeModulesSlash, StringComparison.Ordinal);
            int nameStart;
            if (at >= 0) { folder = key.Substring(0, at); nameStart = at + SlashNodeModulesSlash.Length; }
            else if (key.StartsWith(NodeModules + "/", StringComparison.Ordinal)) nameStart = NodeModules.Length + 1;
            else return false;
            if (nameStart >= key.Length) return false;
            name = key.Substring(nameStart);
            return true;
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
            Prepare();
            if (_reach == null) return Walk(node, result);
            var names = new List<string>();
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            var chain = new List<string>();
            int head = -1;
            if (_toward![node] != Unreached)
            {
                for (int x = node; x >= 0; x = _toward[x])
                {
                    chain.Add(NameAt(x));
                    head = x;
                }
                chain.Reverse();
                result.Chain = string.Join(" > ", chain);
                names.Add(NameAt(head));
                seenNames.Add(NameAt(head));
            }
            for (int b = 0; b < _directs.Length; b++)
                if ((_reach[(long)node * _words + (b >> 6)] & (1UL << (b & 63))) != 0 && seenNames.Add(NameAt(_directs[b]))) names.Add(NameAt(_directs[b]));
            result.ViaCount = names.Count;
            result.Via = names.Count <= ViaNames ? names.ToArray() : names.GetRange(0, ViaNames).ToArray();
            result.Complete = Complete;
            return result;
        }

        private const int Unreached = -2;

        private string NameAt(int x) => _nodes[x].Name.Length > 0 ? _nodes[x].Name : LockNode.NameFromKey(_nodes[x].Key);

        /// <summary>
        /// Once per graph: a breadth-first walk down from every direct dependency (the shortest chains, linear in the
        /// edges), and the direct dependencies that reach each entry, propagated down the edges as bit sets until
        /// nothing grows. The propagation spends the visit budget in words or-ed; past it the sets stay partial and
        /// <see cref="Complete"/> is false.
        /// </summary>
        private void Prepare()
        {
            if (_prepared) return;
            _prepared = true;
            var directs = new List<int>();
            for (int i = 0; i < _nodes.Count; i++) if (_direct[i]) directs.Add(i);
            _directs = directs.ToArray();
            _words = Math.Max(1, (_directs.Length + 63) / 64);
            if ((long)_nodes.Count * _words > MaxReachWords) return;   // Place walks instead

            _toward = new int[_nodes.Count];
            for (int i = 0; i < _toward.Length; i++) _toward[i] = Unreached;
            var queue = new Queue<int>();
            var order = new List<int>(_nodes.Count);   // breadth-first order, the propagation's first pass
            foreach (int d in _directs) { _toward[d] = -1; queue.Enqueue(d); }
            while (queue.Count > 0)
            {
                int x = queue.Dequeue();
                order.Add(x);
                var children = _children[x];
                if (children == null) continue;
                foreach (int c in children)
                {
                    if (_project[c] || _toward[c] != Unreached) continue;
                    _toward[c] = x;
                    queue.Enqueue(c);
                }
            }

            var reach = new ulong[(long)_nodes.Count * _words];
            var queued = new bool[_nodes.Count];
            for (int b = 0; b < _directs.Length; b++) reach[(long)_directs[b] * _words + (b >> 6)] |= 1UL << (b & 63);
            // level by level first, so most entries receive their parents' whole sets before they pass them on; an
            // entry is queued again only when a set grows after its turn (an edge back up the levels, a cycle)
            foreach (int x in order) { queued[x] = true; queue.Enqueue(x); }
            while (queue.Count > 0)
            {
                int x = queue.Dequeue();
                queued[x] = false;
                var children = _children[x];
                if (children == null) continue;
                long from = (long)x * _words;
                foreach (int c in children)
                {
                    if (_project[c]) continue;
                    _budget -= _words;
                    if (_budget < 0) { Complete = false; _reach = reach; return; }
                    long to = (long)c * _words;
                    bool grew = false;
                    for (int w = 0; w < _words; w++)
                    {
                        var merged = reach[to + w] | reach[from + w];
                        if (merged == reach[to + w]) continue;
                        reach[to + w] = merged;
                        grew = true;
                    }
                    if (grew && !queued[c]) { queued[c] = true; queue.Enqueue(c); }
                }
            }
            _reach = reach;
        }

        /// <summary>For a tree too large for bit sets: one breadth-first walk up from the entry, on the shared budget.</summary>
        private Placement Walk(int node, Placement result)
        {
            var names = new List<string>();
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            // from[x] is the node x was reached from (one step closer to the changed entry)
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
                    if (seenNames.Add(NameAt(x))) names.Add(NameAt(x));
                }
                var parents = _parents[x];
                if (parents == null) continue;
                foreach (int p in parents)
                {
                    if (from.ContainsKey(p) || _project[p]) continue;
                    from[p] = x;
                    queue.Enqueue(p);
                }
            }
            result.ViaCount = names.Count;
            result.Via = names.Count <= ViaNames ? names.ToArray() : names.GetRange(0, ViaNames).ToArray();
            if (firstDirect >= 0)
            {
                var chain = new List<string>();
                for (int x = firstDirect; x >= 0; x = from[x]) chain.Add(NameAt(x));
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
