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

        private readonly HashSet<string> _popular = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _popularScopes = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<string> _unscoped = new List<string>();
        private readonly Dictionary<ulong, int> _first = new Dictionary<ulong, int>();   // hash → first slot
        private readonly List<(int name, int next)> _slots = new List<(int, int)>();
        private int _longest;
        // one bit per hash (2^21 bits, 256 KiB): nearly every deletion of a candidate misses, and a miss costs one read
        private const int BloomMask = (1 << 15) - 1;
        private readonly ulong[] _bloom = new ulong[1 << 15];
        private readonly Dictionary<string, List<string>> _scopesByName = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        public TyposquatIndex(IEnumerable<string> popular)
        {
            foreach (var name in popular)
            {
                if (!_popular.Add(name)) continue;
                if (name.StartsWith("@", StringComparison.Ordinal))
                {
                    int slash = name.IndexOf('/');
                    if (slash < 2) continue;
                    string scope = name.Substring(1, slash - 1), bare = name.Substring(slash + 1);
                    _popularScopes.Add(scope);
                    if (!_scopesByName.TryGetValue(bare, out var scopes)) _scopesByName[bare] = scopes = new List<string>();
                    scopes.Add(scope);
                    continue;
                }
                int k = MaxEdits(name.Length);
                if (k == 0) continue;
                int index = _unscoped.Count;
                _unscoped.Add(name);
                if (name.Length > _longest) _longest = name.Length;
                var seen = new HashSet<ulong>();
                foreach (var h in Deletions(name, k))
                    if (seen.Add(h)) AddSlot(h, index);
            }
        }

        /// <summary>Names in the list.</summary>
        public int Count => _popular.Count;

        public bool IsPopular(string name) => _popular.Contains(name);

        /// <summary>The popular name <paramref name="name"/> imitates, or null; a popular name itself never matches.</summary>
        public string? Match(string name)
        {
            if (name.Length == 0 || _popular.Contains(name)) return null;
            if (name[0] == '@')
            {
                int slash = name.IndexOf('/');
                if (slash < 2) return null;
                string scope = name.Substring(1, slash - 1), bare = name.Substring(slash + 1);
                if (_popularScopes.Contains(scope) || !_scopesByName.TryGetValue(bare, out var scopes)) return null;
                foreach (var s in scopes)
                {
                    int k = ScopeEdits(s.Length);
                    if (k > 0 && Distance(scope, s, k) <= k) return "@" + s + "/" + bare;
                }
                return null;
            }
            if (name.Length < 4 || name.Length > _longest + 2) return null;
            string? best = null;
            int bestDistance = int.MaxValue;
            int queryEdits = name.Length >= 7 ? 2 : 1;
            foreach (var h in Deletions(name, queryEdits))
            {
                if ((_bloom[(int)(h >> 6) & BloomMask] & (1UL << (int)(h & 63))) == 0 || !_first.TryGetValue(h, out int slot)) continue;
                for (; slot >= 0; slot = _slots[slot].next)
                {
                    string candidate = _unscoped[_slots[slot].name];
                    int k = MaxEdits(candidate.Length);
                    if (Math.Abs(candidate.Length - name.Length) > k) continue;
                    int d = Distance(name, candidate, k);
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

        /// <summary>
        /// Hashes of <paramref name="s"/> with 0, 1 or up to <paramref name="k"/> (≤ 2) characters deleted, each in
        /// O(1) from prefix hashes (a polynomial hash of a concatenation is computable from its parts), so a name of
        /// n characters costs O(n²) for two deletions instead of O(n³).
        /// </summary>
        private static IEnumerable<ulong> Deletions(string s, int k)
        {
            int n = s.Length;
            var prefix = new ulong[n + 1];
            var power = new ulong[n + 1];
            power[0] = 1;
            for (int t = 0; t < n; t++)
            {
                prefix[t + 1] = prefix[t] * Base + (ulong)s[t] + 1;
                power[t + 1] = power[t] * Base;
            }
            ulong Sub(int from, int to) => prefix[to] - prefix[from] * power[to - from];
            var results = new List<ulong>(1 + n + (k >= 2 ? n * (n - 1) / 2 : 0)) { Mix(prefix[n], n) };
            for (int i = 0; i < n; i++)
            {
                results.Add(Mix(Sub(0, i) * power[n - i - 1] + Sub(i + 1, n), n - 1));
                if (k < 2) continue;
                ulong head = Sub(0, i) * power[n - i - 2 < 0 ? 0 : n - i - 2];
                for (int j = i + 1; j < n; j++)
                    results.Add(Mix(head + Sub(i + 1, j) * power[n - j - 1] + Sub(j + 1, n), n - 2));
            }
            return results;
        }

        private const ulong Base = 1_000_003UL * 2 + 1;

        /// <summary>The length mixed in and the bits spread (splitmix64's finalizer), so sums of short strings do not collide.</summary>
        private static ulong Mix(ulong h, int length)
        {
            h ^= (ulong)length * 0x9E3779B97F4A7C15UL;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            return h ^ (h >> 31);
        }

        /// <summary>Optimal-string-alignment distance (adjacent swaps count one), or <paramref name="max"/>+1 once it must exceed it.</summary>
        internal static int Distance(string a, string b, int max)
        {
            if (Math.Abs(a.Length - b.Length) > max) return max + 1;
            var prev2 = new int[b.Length + 1];
            var prev = new int[b.Length + 1];
            var cur = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) prev[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                cur[0] = i;
                int rowMin = cur[0];
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int v = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, prev2[j - 2] + 1);
                    cur[j] = v;
                    if (v < rowMin) rowMin = v;
                }
                if (rowMin > max) return max + 1;
                var t = prev2; prev2 = prev; prev = cur; cur = t;
            }
            return prev[b.Length];
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
