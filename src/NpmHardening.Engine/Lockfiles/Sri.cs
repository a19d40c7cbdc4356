using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>How two integrity strings of one package relate.</summary>
    internal enum SriComparison
    {
        /// <summary>Equal text, or both absent.</summary>
        Same,
        /// <summary>They share a hash algorithm and no digest of the strongest shared one matches: different bytes.</summary>
        Different,
        /// <summary>The reference had one, the new entry has none.</summary>
        Removed,
        /// <summary>Not comparable (no shared algorithm, as sha1 → sha512 when npm rewrote the entry; or newly added).</summary>
        Incomparable,
    }

    /// <summary>Subresource-integrity strings as npm writes them (<c>sha512-… sha1-…</c>), compared digest by digest.</summary>
    internal static class Sri
    {
        private static readonly string[] Strongest = { "sha512", "sha384", "sha256", "sha1" };

        public static SriComparison Compare(string? before, string? after)
        {
            bool hadOne = !string.IsNullOrWhiteSpace(before), hasOne = !string.IsNullOrWhiteSpace(after);
            if (!hadOne && !hasOne) return SriComparison.Same;
            if (hadOne && !hasOne) return SriComparison.Removed;
            if (!hadOne) return SriComparison.Incomparable;
            if (string.Equals(before!.Trim(), after!.Trim(), StringComparison.Ordinal)) return SriComparison.Same;
            var a = Parse(before);
            var b = Parse(after);
            foreach (var alg in Strongest)
            {
                if (!a.TryGetValue(alg, out var x) || !b.TryGetValue(alg, out var y)) continue;
                foreach (var d in x) if (y.Contains(d)) return SriComparison.Same;
                return SriComparison.Different;
            }
            return SriComparison.Incomparable;
        }

        /// <summary>Algorithm → digests; options after '?' dropped, unknown algorithms ignored.</summary>
        private static Dictionary<string, HashSet<string>> Parse(string sri)
        {
            var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var token in sri.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int dash = token.IndexOf('-');
                if (dash <= 0) continue;
                var alg = token.Substring(0, dash).ToLowerInvariant();
                if (Array.IndexOf(Strongest, alg) < 0) continue;
                var digest = token.Substring(dash + 1);
                int q = digest.IndexOf('?');
                if (q >= 0) digest = digest.Substring(0, q);
                if (digest.Length == 0) continue;
                if (!result.TryGetValue(alg, out var set)) result[alg] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(digest);
            }
            return result;
        }
    }
}
