using System;
using System.Collections.Generic;
using System.Threading;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The dependency edges of one lockfile, resolved as node does (the nearest <c>node_modules/&lt;name&gt;</c> walking up
    /// from the dependent's folder, a link followed to its target), so that for a changed entry the comparison can find
    /// which direct dependencies pull it in and one shortest chain down to it.
    /// </summary>
    /// <remarks>
    /// The key index and the name index are built at once (the comparison pairs entries with the first); the edges, one
    /// flat array of targets sliced by entry, on the first placement. Then, once: a breadth-first walk down from the direct dependencies gives every
    /// entry one shortest chain (linear in the edges), and bit sets propagated down the edges give every entry the
    /// direct dependencies that reach it. The propagation spends a budget of word operations (64 million by default);
    /// a tree shaped to make it grow without end stops there with <see cref="Complete"/> false (Via partial, chains
    /// still whole). A tree whose bit sets would pass 128 MiB falls back to one upward walk per change on the same budget.
    /// </remarks>
    internal sealed class LockfileGraph
    {
        /// <summary>Names listed in <see cref="Placement.Via"/> at most.</summary>
        public const int ViaNames = 10;

        private readonly IReadOnlyList<LockNode> _nodes;
        private readonly Dictionary<string, int> _index;
        // every entry by the name it is installed under (the part of its key after the last node_modules/): the first
        // entry of a chain through _placeNext, each with the folder whose node_modules holds it (_placeFolder). Resolve
        // looks at the few places a name is installed instead of building and looking up one candidate key per folder
        // on the way up. Arrays by entry rather than a list per name: one allocation each, whatever the tree's size.
        private readonly Dictionary<string, int> _byName;
        private readonly string?[] _placeFolder;
        private readonly int[] _placeNext;
        private readonly bool[] _project;
        private readonly CancellationToken _cancellationToken;
        private long _budget;

        // Filled on the first Place (most comparisons place a few hundred changes, and a comparison whose lockfiles differ
        // by nothing but versions never needs the reference's edges): each entry's dependencies resolved, as one array of
        // targets sliced by entry (_edgeStart[i] to _edgeStart[i + 1]), in the order the entry names them.
        private bool _edgesBuilt;
        private int[] _edgeStart = Array.Empty<int>();
        private int[] _edgeTo = Array.Empty<int>();
        private bool[] _direct = Array.Empty<bool>();
        // the reverse of the edges, the same way, built only for the upward walk of a tree too large for bit sets
        private int[]? _parentStart;
        private int[]? _parentFrom;

        // Filled on the first Place: which direct dependencies reach each entry (one bit per direct dependency, in
        // _directs order), and for each entry the entry one step closer to a direct dependency on a shortest chain.
        private bool _prepared;
        private int[] _directs = Array.Empty<int>();
        private int _words;
        private ulong[]? _reach;
        private int[]? _toward;
        // by direct dependency (bit): a number per distinct name; by entry: its bit, or -1; by name number: the last
        // Place call that listed it
        private int[] _directNameId = Array.Empty<int>();
        private int[] _directNumber = Array.Empty<int>();
        private int[] _nameSeen = Array.Empty<int>();
        private int _stamp;

        /// <summary>Bits of reach kept at most (16M words, 128 MiB); a larger tree falls back to one walk per change.</summary>
        internal const long DefaultMaxReachWords = 16L << 20;

        /// <summary><see cref="DefaultMaxReachWords"/>; lower only in tests, to reach the walk on a small tree (before the first Place).</summary>
        internal long MaxReachWords { get; set; } = DefaultMaxReachWords;

        public LockfileGraph(IReadOnlyList<LockNode> nodes, long visitBudget = 64_000_000, CancellationToken cancellationToken = default)
        {
            _nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
            _budget = visitBudget;
            _cancellationToken = cancellationToken;
            int count = nodes.Count;
            _index = new Dictionary<string, int>(count, StringComparer.Ordinal);
            for (int i = 0; i < count; i++) _index[nodes[i].Key] = i;   // a duplicate key: the later entry wins, as in a JSON object read twice
            DistinctKeys = _index.Count;
            _project = new bool[count];
            _placeFolder = new string?[count];
            _placeNext = new int[count];
            _byName = new Dictionary<string, int>(count, StringComparer.Ordinal);
            bool duplicates = _index.Count != count;
            for (int i = 0; i < count; i++) _project[i] = LockNode.IsProjectFolder(nodes[i].Key);
            // Places join their name's chain at its end, in the index's order (each key where it was first listed, with
            // the entry listed last): Resolve keeps the first of two places as near as each other, which only odd keys
            // make (/node_modules/a beside node_modules/a), and the first must stay the one it always was.
            var chainEnd = new int[count];
            if (!duplicates)
                for (int i = 0; i < count; i++) AddPlace(i, chainEnd);
            else
                foreach (var pair in _index) AddPlace(pair.Value, chainEnd);
        }

        private void AddPlace(int i, int[] chainEnd)
        {
            var node = _nodes[i];
            var key = node.Key;
            if (!SplitInstalled(key, out int folderEnd, out int nameStart)) return;
            // the installed name is nearly always the entry's own name: share that string rather than cut a new one
            var own = node.Name;
            var installedName = own.Length == key.Length - nameStart && string.CompareOrdinal(key, nameStart, own, 0, own.Length) == 0
                ? own : key.Substring(nameStart);
            _placeFolder[i] = folderEnd < 0 ? "" : key.Substring(0, folderEnd);
            _placeNext[i] = -1;
            chainEnd[i] = i;
            if (_byName.TryGetValue(installedName, out int first))
            {
                _placeNext[chainEnd[first]] = i;
                chainEnd[first] = i;
            }
            else _byName[installedName] = i;
        }

        /// <summary>False once the visit budget ran out: some placements lack direct dependencies or a chain.</summary>
        public bool Complete { get; private set; } = true;

        public int Count => _nodes.Count;

        /// <summary>How many different keys the entries have (less than <see cref="Count"/> when a key is listed twice).</summary>
        public int DistinctKeys { get; }

        /// <summary>The entry a key names (the later one of a key listed twice); -1 when none.</summary>
        public int IndexOf(string key) => _index.TryGetValue(key, out int i) ? i : -1;

        /// <summary>True when entry <paramref name="node"/> is the project or a workspace folder (<see cref="LockNode.IsProjectFolder"/>).</summary>
        public bool IsProjectFolder(int node) => _project[node];

        /// <summary>
        /// Resolves every entry's dependencies (a link's one edge is to its target) and marks the direct dependencies:
        /// what the project and its workspaces name, and a top-level package nothing installed depends on.
        /// </summary>
        private void BuildEdges()
        {
            if (_edgesBuilt) return;
            _edgesBuilt = true;
            var nodes = _nodes;
            int count = nodes.Count;
            long total = 0;
            for (int i = 0; i < count; i++) total += nodes[i].Link ? 1 : nodes[i].Dependencies.Count;
            var edgeStart = new int[count + 1];
            var edgeTo = new int[total];
            var direct = new bool[count];
            var pulled = new bool[count];   // a package (not the project, not a workspace) depends on it
            int e = 0;
            for (int i = 0; i < count; i++)
            {
                if ((i & 1023) == 0) _cancellationToken.ThrowIfCancellationRequested();
                edgeStart[i] = e;
                var node = nodes[i];
                bool project = _project[i];
                if (node.Link)
                {
                    if (node.Resolved != null && _index.TryGetValue(LinkTarget(node.Resolved), out int target) && target != i)
                    {
                        edgeTo[e++] = target;
                        if (!project) pulled[target] = true;
                    }
                    continue;   // a link's dependencies are its target's
                }
                var dependencies = node.Dependencies;
                for (int k = 0; k < dependencies.Count; k++)
                {
                    int child = Resolve(node.Key, dependencies[k]);
                    if (child < 0 || child == i) continue;
                    edgeTo[e++] = child;
                    if (!project) pulled[child] = true;
                    else if (!_project[child]) direct[child] = true;
                }
            }
            edgeStart[count] = e;
            // The reader keeps the project's dependencies and optionalDependencies, not its devDependencies or
            // peerDependencies; a top-level package nothing installed depends on can only be one of those (or
            // extraneous), so it counts as direct too.
            for (int i = 0; i < count; i++)
            {
                if (direct[i] || pulled[i]) continue;
                var key = nodes[i].Key;
                if (key.StartsWith("node_modules/", StringComparison.Ordinal) && key.LastIndexOf(SlashNodeModulesSlash, StringComparison.Ordinal) < 0) direct[i] = true;
            }
            _edgeStart = edgeStart;
            _edgeTo = edgeTo;
            _direct = direct;
        }

        /// <summary>The reverse edges (each entry's dependents, in the order the forward edges were added), for <see cref="Walk"/>.</summary>
        private void BuildParents()
        {
            if (_parentStart != null) return;
            int count = _nodes.Count;
            var start = new int[count + 1];
            for (int e = 0; e < _edgeStart[count]; e++) start[_edgeTo[e] + 1]++;
            for (int i = 0; i < count; i++) start[i + 1] += start[i];
            var fill = new int[count];
            Array.Copy(start, fill, count);
            var from = new int[_edgeStart[count]];
            for (int p = 0; p < count; p++)
                for (int e = _edgeStart[p]; e < _edgeStart[p + 1]; e++)
                    from[fill[_edgeTo[e]]++] = p;
            _parentStart = start;
            _parentFrom = from;
        }

        /// <summary>The entry node would load for <c>require(name)</c> from the folder <paramref name="from"/>; -1 when none.</summary>
        public int Resolve(string from, string name)
        {
            // a name that itself holds "node_modules" could be split more than one way: walk for it
            if (name.Length >= NodeModules.Length && name.IndexOf(NodeModules, StringComparison.Ordinal) >= 0) return ResolveByWalk(from, name);
            if (!_byName.TryGetValue(name, out int place)) return -1;
            // most names are installed once, at the top: the project's folder is on every way up
            if (_placeNext[place] < 0 && _placeFolder[place]!.Length == 0) return place;
            // the folders ResolveByWalk tries are from itself, each prefix of it that ends where a "/node_modules/" starts,
            // and the project (""); of the places the name is installed, the nearest of those (the longest folder) wins
            int found = -1, foundLength = -1;
            for (; place >= 0; place = _placeNext[place])
            {
                var folder = _placeFolder[place]!;
                if (folder.Length <= foundLength) continue;
                if (folder.Length == 0 || string.Equals(folder, from, StringComparison.Ordinal) ||
                    (from.Length > folder.Length + SlashNodeModulesSlash.Length && from.StartsWith(folder, StringComparison.Ordinal) &&
                     string.CompareOrdinal(from, folder.Length, SlashNodeModulesSlash, 0, SlashNodeModulesSlash.Length) == 0))
                {
                    found = place;
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

        /// <summary>
        /// <c>a/node_modules/@s/b</c> → folder <c>a</c> (ends at 1), name <c>@s/b</c> (starts at 15); <c>node_modules/b</c> → no
        /// folder (-1: the project's), name from 13. False for a key that is no package folder (the project, a workspace
        /// folder): ResolveByWalk never builds such a key either.
        /// </summary>
        private static bool SplitInstalled(string key, out int folderEnd, out int nameStart)
        {
            folderEnd = key.LastIndexOf(SlashNodeModulesSlash, StringComparison.Ordinal);
            if (folderEnd >= 0) nameStart = folderEnd + SlashNodeModulesSlash.Length;
            else if (key.StartsWith(NodeModules + "/", StringComparison.Ordinal)) nameStart = NodeModules.Length + 1;
            else { nameStart = -1; return false; }
            return nameStart < key.Length;
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
            BuildEdges();
            result.Direct = _direct[node];
            Prepare();
            if (_reach == null) return Walk(node, result);
            // Via lists each name once (two directs may share one: a package and its alias, a workspace's copy), the
            // chain's head first, then the direct dependencies in entry order; ViaCount counts the names. A stamp per
            // call on an array by name number marks the names seen, instead of a set of strings per call.
            var names = new List<string>(ViaNames);
            int stamp = ++_stamp;
            int viaCount = 0;
            int head = -1;
            if (_toward![node] != Unreached)
            {
                var chain = new List<string>();
                for (int x = node; x >= 0; x = _toward[x])
                {
                    chain.Add(NameAt(x));
                    head = x;
                }
                chain.Reverse();
                result.Chain = string.Join(" > ", chain);
                names.Add(NameAt(head));
                _nameSeen[_directNameId[_directNumber[head]]] = stamp;   // a chain starts at a direct dependency (toward -1)
                viaCount = 1;
            }
            long row = (long)node * _words;
            for (int b = 0; b < _directs.Length; b++)
            {
                if ((_reach[row + (b >> 6)] & (1UL << (b & 63))) == 0) continue;
                int id = _directNameId[b];
                if (_nameSeen[id] == stamp) continue;
                _nameSeen[id] = stamp;
                viaCount++;
                if (names.Count < ViaNames) names.Add(NameAt(_directs[b]));
            }
            result.ViaCount = viaCount;
            result.Via = names.ToArray();
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
            int count = _nodes.Count;
            int directCount = 0;
            for (int i = 0; i < count; i++) if (_direct[i]) directCount++;
            _directs = new int[directCount];
            for (int i = 0, d = 0; i < count; i++) if (_direct[i]) _directs[d++] = i;
            _directNumber = new int[count];
            for (int i = 0; i < count; i++) _directNumber[i] = -1;
            _directNameId = new int[_directs.Length];
            var nameIds = new Dictionary<string, int>(_directs.Length, StringComparer.Ordinal);
            for (int b = 0; b < _directs.Length; b++)
            {
                _directNumber[_directs[b]] = b;
                var name = NameAt(_directs[b]);
                if (!nameIds.TryGetValue(name, out int id)) nameIds[name] = id = nameIds.Count;
                _directNameId[b] = id;
            }
            _nameSeen = new int[nameIds.Count];
            _words = Math.Max(1, (_directs.Length + 63) / 64);
            if ((long)count * _words > MaxReachWords) return;   // Place walks instead

            var edgeStart = _edgeStart;
            var edgeTo = _edgeTo;
            var project = _project;
            // Every entry enters the breadth-first queue at most once, and the propagation queue holds an entry at most
            // once at a time (queued[]): both fit one array of the entry count, used as a ring for the second.
            var toward = new int[count];
            for (int i = 0; i < count; i++) toward[i] = Unreached;
            var queue = new int[Math.Max(1, count)];
            int tail = 0;
            foreach (int d in _directs) { toward[d] = -1; queue[tail++] = d; }
            for (int h = 0; h < tail; h++)
            {
                int x = queue[h];
                for (int e = edgeStart[x]; e < edgeStart[x + 1]; e++)
                {
                    int c = edgeTo[e];
                    if (project[c] || toward[c] != Unreached) continue;
                    toward[c] = x;
                    queue[tail++] = c;
                }
            }
            _toward = toward;

            // queue[0..tail) is now the breadth-first order, the propagation's first pass
            int words = _words;
            var reach = new ulong[(long)count * words];
            var queued = new bool[count];
            for (int b = 0; b < _directs.Length; b++) reach[(long)_directs[b] * words + (b >> 6)] |= 1UL << (b & 63);
            // level by level first, so most entries receive their parents' whole sets before they pass them on; an
            // entry is queued again only when a set grows after its turn (an edge back up the levels, a cycle)
            for (int k = 0; k < tail; k++) queued[queue[k]] = true;
            int first = 0, size = tail, capacity = queue.Length;
            while (size > 0)
            {
                int x = queue[first];
                if (++first == capacity) first = 0;
                size--;
                queued[x] = false;
                long from = (long)x * words;
                for (int e = edgeStart[x]; e < edgeStart[x + 1]; e++)
                {
                    int c = edgeTo[e];
                    if (project[c]) continue;
                    _budget -= words;
                    if (_budget < 0) { Complete = false; _reach = reach; return; }
                    long to = (long)c * words;
                    bool grew = false;
                    for (int w = 0; w < words; w++)
                    {
                        var before = reach[to + w];
                        var merged = before | reach[from + w];
                        if (merged == before) continue;
                        reach[to + w] = merged;
                        grew = true;
                    }
                    if (grew && !queued[c])
                    {
                        queued[c] = true;
                        int at = first + size;
                        queue[at >= capacity ? at - capacity : at] = c;
                        size++;
                    }
                }
            }
            _reach = reach;
        }

        /// <summary>For a tree too large for bit sets: one breadth-first walk up from the entry, on the shared budget.</summary>
        private Placement Walk(int node, Placement result)
        {
            BuildParents();
            var parentStart = _parentStart!;
            var parentFrom = _parentFrom!;
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
                for (int e = parentStart[x]; e < parentStart[x + 1]; e++)
                {
                    int p = parentFrom[e];
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
