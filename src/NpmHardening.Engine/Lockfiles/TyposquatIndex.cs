using System;
using System.Collections.Generic;
using System.IO;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// Finds the popular package a name is one or two edits from (insert, delete, change, or swap two neighbouring
    /// characters), against the list shipped in Data/popular-packages.txt.
    /// </summary>
    /// <remarks>
    /// Scope-aware: only a scope's owner publishes under it, so a name inside a scope of the list (<c>@types/nodee</c>)
    /// is nobody's typosquat; a scope one or two edits from a popular scope with the same package name
    /// (<c>@tpyes/node</c>) is. Unscoped names of fewer than 5 characters are not compared (every two-letter name is one
    /// edit from another); 5 to 8 characters allow one edit, 9 and more two. Fast through a symmetric-delete index:
    /// every popular name is stored under the 64-bit hashes of itself with up to k characters deleted, a candidate
    /// looks up its own deletions, and only hits are checked with the exact distance.
    /// </remarks>
    internal sealed class TyposquatIndex
    {
        private static readonly Lazy<TyposquatIndex> LazyDefault = new Lazy<TyposquatIndex>(Load);

        public static TyposquatIndex Default => LazyDefault.Value;

        // every lookup goes through a char span, so a lockfile's names are checked without making a string of each
        private readonly SpanKeyed<bool> _popular = new SpanKeyed<bool>();
        private readonly SpanKeyed<bool> _popularScopes = new SpanKeyed<bool>();
        private readonly SpanKeyed<List<string>> _scopesByName = new SpanKeyed<List<string>>();
        private readonly List<string> _unscoped = new List<string>();
        private readonly Dictionary<ulong, int> _first = new Dictionary<ulong, int>();   // hash → first slot
        private readonly List<(int name, int next)> _slots = new List<(int, int)>();
        private int _longest;
        // one bit per hash (2^21 bits, 256 KiB): nearly every deletion of a candidate misses, and a miss costs one read
        private const int BloomMask = (1 << 15) - 1;
        private readonly ulong[] _bloom = new ulong[1 << 15];

        // per-thread scratch for a query (the default index is shared by every runspace of the process)
        [ThreadStatic] private static ulong[]? t_hashes;
        [ThreadStatic] private static ulong[]? t_prefix;
        [ThreadStatic] private static ulong[]? t_power;
        [ThreadStatic] private static int[]? t_rows;

        public TyposquatIndex(IEnumerable<string> popular)
        {
            foreach (var name in popular)
            {
                if (!_popular.Add(name, true)) continue;
                if (name.StartsWith("@", StringComparison.Ordinal))
                {
                    int slash = name.IndexOf('/');
                    if (slash < 2) continue;
                    string scope = name.Substring(1, slash - 1), bare = name.Substring(slash + 1);
                    _popularScopes.Add(scope, true);
                    if (!_scopesByName.TryGetValue(bare.AsSpan(), out var scopes)) _scopesByName.Add(bare, scopes = new List<string>());
                    scopes.Add(scope);
                    continue;
                }
                int k = MaxEdits(name.Length);
                if (k == 0) continue;
                int index = _unscoped.Count;
                _unscoped.Add(name);
                if (name.Length > _longest) _longest = name.Length;
                var hashes = new ulong[DeletionCount(name.Length, k)];
                int count = Deletions(name.AsSpan(), k, new ulong[name.Length + 1], new ulong[name.Length + 1], hashes);
                var seen = new HashSet<ulong>();
                for (int i = 0; i < count; i++)
                    if (seen.Add(hashes[i])) AddSlot(hashes[i], index);
            }
        }

        /// <summary>Names in the list.</summary>
        public int Count => _popular.Count;

        public bool IsPopular(string name) => _popular.ContainsKey(name.AsSpan());

        /// <summary>The popular name <paramref name="name"/> imitates, or null; a popular name itself never matches.</summary>
        public string? Match(string name) => Match(name.AsSpan());

        /// <summary>The same over characters: no string is made unless a name matches.</summary>
        public string? Match(ReadOnlySpan<char> name)
        {
            if (name.Length == 0 || _popular.ContainsKey(name)) return null;
            if (name[0] == '@')
            {
                int slash = name.IndexOf('/');
                if (slash < 2) return null;
                ReadOnlySpan<char> scope = name.Slice(1, slash - 1), bare = name.Slice(slash + 1);
                if (_popularScopes.ContainsKey(scope) || !_scopesByName.TryGetValue(bare, out var scopes)) return null;
                foreach (var s in scopes)
                {
                    int k = ScopeEdits(s.Length);
                    if (k > 0 && Distance(scope, s.AsSpan(), k) <= k) return "@" + s + "/" + bare.ToString();
                }
                return null;
            }
            if (name.Length < 4 || name.Length > _longest + 2) return null;
            string? best = null;
            int bestDistance = int.MaxValue;
            int queryEdits = name.Length >= 7 ? 2 : 1;
            int needed = DeletionCount(name.Length, queryEdits);
            var hashes = t_hashes != null && t_hashes.Length >= needed ? t_hashes : t_hashes = new ulong[Math.Max(needed, 1024)];
            var prefix = t_prefix != null && t_prefix.Length > name.Length ? t_prefix : t_prefix = new ulong[Math.Max(name.Length + 1, 64)];
            var power = t_power != null && t_power.Length > name.Length ? t_power : t_power = new ulong[Math.Max(name.Length + 1, 64)];
            int count = Deletions(name, queryEdits, prefix, power, hashes);
            for (int i = 0; i < count; i++)
            {
                ulong h = hashes[i];
                if ((_bloom[(int)(h >> 6) & BloomMask] & (1UL << (int)(h & 63))) == 0 || !_first.TryGetValue(h, out int slot)) continue;
                for (; slot >= 0; slot = _slots[slot].next)
                {
                    string candidate = _unscoped[_slots[slot].name];
                    int k = MaxEdits(candidate.Length);
                    if (Math.Abs(candidate.Length - name.Length) > k) continue;
                    int d = Distance(name, candidate.AsSpan(), k);
                    if (d <= k && (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0)))
                    {
                        best = candidate;
                        bestDistance = d;
                    }
                }
            }
            return best;
        }

        private static int MaxEdits(int length) => length >= 9 ? 2 : length >= 5 ? 1 : 0;

        private static int ScopeEdits(int length) => length >= 9 ? 2 : length >= 3 ? 1 : 0;

        private void AddSlot(ulong hash, int index)
        {
            _bloom[(int)(hash >> 6) & BloomMask] |= 1UL << (int)(hash & 63);
            int next = _first.TryGetValue(hash, out int head) ? head : -1;
            _first[hash] = _slots.Count;
            _slots.Add((index, next));
        }

        private static int DeletionCount(int n, int k) => 1 + n + (k >= 2 ? n * (n - 1) / 2 : 0);

        /// <summary>
        /// Writes to <paramref name="output"/> the hashes of <paramref name="s"/> with 0, 1 or up to <paramref name="k"/>
        /// (≤ 2) characters deleted, each in O(1) from prefix hashes (a polynomial hash of a concatenation is computable
        /// from its parts), so a name of n characters costs O(n²) for two deletions instead of O(n³). Returns the count.
        /// The index is built and queried through this one routine, so both sides hash alike.
        /// </summary>
        private static int Deletions(ReadOnlySpan<char> s, int k, ulong[] prefix, ulong[] power, ulong[] output)
        {
            int n = s.Length;
            power[0] = 1;
            prefix[0] = 0;
            for (int t = 0; t < n; t++)
            {
                prefix[t + 1] = prefix[t] * Base + (ulong)s[t] + 1;
                power[t + 1] = power[t] * Base;
            }
            int count = 0;
            output[count++] = Mix(prefix[n], n);
            for (int i = 0; i < n; i++)
            {
                output[count++] = Mix(Sub(prefix, power, 0, i) * power[n - i - 1] + Sub(prefix, power, i + 1, n), n - 1);
                if (k < 2) continue;
                ulong head = Sub(prefix, power, 0, i) * power[n - i - 2 < 0 ? 0 : n - i - 2];
                for (int j = i + 1; j < n; j++)
                    output[count++] = Mix(head + Sub(prefix, power, i + 1, j) * power[n - j - 1] + Sub(prefix, power, j + 1, n), n - 2);
            }
            return count;
        }

        private static ulong Sub(ulong[] prefix, ulong[] power, int from, int to) => prefix[to] - prefix[from] * power[to - from];

        private const ulong Base = 1_000_003UL * 2 + 1;

        /// <summary>The length mixed in and the bits spread (splitmix64's finalizer), so sums of short strings do not collide.</summary>
        private static ulong Mix(ulong h, int length)
        {
            h ^= (ulong)length * 0x9E3779B97F4A7C15UL;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            return h ^ (h >> 31);
        }

        internal static int Distance(string a, string b, int max) => Distance(a.AsSpan(), b.AsSpan(), max);

        /// <summary>Optimal-string-alignment distance (adjacent swaps count one), or <paramref name="max"/>+1 once it must exceed it.</summary>
        internal static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b, int max)
        {
            if (Math.Abs(a.Length - b.Length) > max) return max + 1;
            int w = b.Length + 1;
            var rows = t_rows != null && t_rows.Length >= 3 * w ? t_rows : t_rows = new int[Math.Max(3 * w, 192)];
            // three rows of one scratch array, rotated by offset
            int prev2 = 0, prev = w, cur = 2 * w;
            for (int j = 0; j <= b.Length; j++) rows[prev + j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                rows[cur] = i;
                int rowMin = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int v = Math.Min(Math.Min(rows[prev + j] + 1, rows[cur + j - 1] + 1), rows[prev + j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, rows[prev2 + j - 2] + 1);
                    rows[cur + j] = v;
                    if (v < rowMin) rowMin = v;
                }
                if (rowMin > max) return max + 1;
                int t = prev2; prev2 = prev; prev = cur; cur = t;
            }
            return rows[prev + b.Length];
        }

        /// <summary>A string-keyed table looked up by a char span (netstandard2.0's Dictionary cannot be).</summary>
        private sealed class SpanKeyed<T>
        {
            private readonly Dictionary<ulong, int> _first = new Dictionary<ulong, int>();
            private readonly List<(string key, T value, int next)> _items = new List<(string, T, int)>();

            public int Count => _items.Count;

            public bool Add(string key, T value)
            {
                if (ContainsKey(key.AsSpan())) return false;
                ulong h = Hash(key.AsSpan());
                _items.Add((key, value, _first.TryGetValue(h, out int head) ? head : -1));
                _first[h] = _items.Count - 1;
                return true;
            }

            public bool ContainsKey(ReadOnlySpan<char> key) => TryGetValue(key, out _);

            public bool TryGetValue(ReadOnlySpan<char> key, out T value)
            {
                if (_first.TryGetValue(Hash(key), out int i))
                    for (; i >= 0; i = _items[i].next)
                        if (key.SequenceEqual(_items[i].key.AsSpan()))
                        {
                            value = _items[i].value;
                            return true;
                        }
                value = default!;
                return false;
            }

            // FNV-1a over the UTF-16 code units
            private static ulong Hash(ReadOnlySpan<char> key)
            {
                ulong h = 14695981039346656037UL;
                foreach (char c in key)
                {
                    h ^= c;
                    h *= 1099511628211UL;
                }
                return h;
            }
        }

        private static TyposquatIndex Load()
        {
            using var stream = typeof(TyposquatIndex).Assembly.GetManifestResourceStream("NpmHardening.Data.popular-packages.txt")
                ?? throw new InvalidDataException("The popular-packages list is missing from the engine assembly.");
            using var reader = new StreamReader(stream);
            var names = new List<string>();
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                line = line.Trim();
                if (line.Length > 0 && line[0] != '#') names.Add(line);
            }
            return new TyposquatIndex(names);
        }
    }
}
