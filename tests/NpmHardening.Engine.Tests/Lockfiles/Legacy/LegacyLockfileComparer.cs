using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Lockfiles;

namespace NpmHardening.Engine.Tests.Lockfiles.Legacy
{
    /// <summary>
    /// LockfileComparer.Compare as it was before the comparison was made cheaper (main 7c22a2a), kept verbatim with
    /// <see cref="LegacyLockfileGraph"/> as the reference the new code is compared against, change by change.
    /// </summary>
    internal static class LegacyLockfileComparer
    {
        /// <summary>Compares <paramref name="reference"/> (the old lockfile's entries) with <paramref name="difference"/> (the new one's).</summary>
        public static LockfileComparison Compare(IReadOnlyList<LockNode> reference, IReadOnlyList<LockNode> difference, LockfileCompareOptions options)
        {
            if (reference == null) throw new ArgumentNullException(nameof(reference));
            if (difference == null) throw new ArgumentNullException(nameof(difference));
            options ??= new LockfileCompareOptions();
            var token = options.CancellationToken;

            var oldByKey = new Dictionary<string, int>(reference.Count, StringComparer.Ordinal);
            for (int i = 0; i < reference.Count; i++)
                if (!LockNode.IsProjectFolder(reference[i].Key)) oldByKey[reference[i].Key] = i;
            var oldUsed = new bool[reference.Count];
            var pairs = new List<(int Old, int New)>();
            var unmatchedNew = new List<int>();
            var newSeen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < difference.Count; i++)
            {
                if ((i & 4095) == 0) token.ThrowIfCancellationRequested();
                var n = difference[i];
                if (LockNode.IsProjectFolder(n.Key) || !newSeen.Add(n.Key)) continue;
                if (oldByKey.TryGetValue(n.Key, out int o) && !oldUsed[o] && LockfileComparer.NameOf(reference[o]) == LockfileComparer.NameOf(n))
                {
                    oldUsed[o] = true;
                    pairs.Add((o, i));
                }
                else unmatchedNew.Add(i);
            }

            // what is left pairs by name: a moved package, or one moved and changed at once
            var oldLeftByName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (int o = 0; o < reference.Count; o++)
            {
                if (oldUsed[o] || LockNode.IsProjectFolder(reference[o].Key) || !oldByKey.TryGetValue(reference[o].Key, out int last) || last != o) continue;
                var name = LockfileComparer.NameOf(reference[o]);
                if (!oldLeftByName.TryGetValue(name, out var list)) oldLeftByName[name] = list = new List<int>();
                list.Add(o);
            }
            var added = new List<int>();
            int moved = 0;
            foreach (int i in unmatchedNew)
            {
                var n = difference[i];
                if (!oldLeftByName.TryGetValue(LockfileComparer.NameOf(n), out var candidates) || candidates.Count == 0) { added.Add(i); continue; }
                int pick = candidates.FindIndex(o => reference[o].Version == n.Version);
                if (pick < 0) pick = 0;
                int old = candidates[pick];
                candidates.RemoveAt(pick);
                oldUsed[old] = true;
                pairs.Add((old, i));
            }

            var oldGraph = new Lazy<LegacyLockfileGraph>(() => new LegacyLockfileGraph(reference, options.VisitBudget, token));
            var newGraph = new Lazy<LegacyLockfileGraph>(() => new LegacyLockfileGraph(difference, options.VisitBudget, token));
            var oldNames = new Lazy<HashSet<string>>(() => new HashSet<string>(reference.Select(LockfileComparer.NameOf), StringComparer.Ordinal));
            var oldHosts = new Lazy<HashSet<string>>(() => new HashSet<string>(reference.Select(r => LockfileComparer.Host(r.Resolved)).Where(h => h != null)!, StringComparer.OrdinalIgnoreCase));

            var changes = new List<(int Order, NpmLockfileChange Change)>();
            foreach (var (o, i) in pairs)
            {
                token.ThrowIfCancellationRequested();
                var c = Paired(reference[o], difference[i], options);
                if (c == null) { if (reference[o].Key != difference[i].Key) moved++; continue; }
                Place(c, newGraph.Value, difference[i]);
                changes.Add((i, c));
            }
            foreach (int i in added)
            {
                var n = difference[i];
                var c = New(NpmLockfileChangeKind.Added, null, n, options);
                if (LockfileComparer.Host(n.Resolved) is string host && reference.Count > 0 && !oldHosts.Value.Contains(host))
                    c.Signals.Add(new LockfileSignal(LockfileComparer.HostChanged, $"{Show(n)} is resolved from {host}, a host no package of the reference lockfile came from ({LockfileComparer.SafeUrl(n.Resolved)})."));
                if (n.HasInstallScript)
                    c.Signals.Add(new LockfileSignal(LockfileComparer.InstallScript, $"{Show(n)} is new and has an install script (preinstall, install, postinstall or a binding.gyp), which npm runs at install."));
                if (options.Typosquat != null && !oldNames.Value.Contains(LockfileComparer.NameOf(n)) && options.Typosquat(LockfileComparer.NameOf(n)) is string popular)
                    c.Signals.Add(new LockfileSignal(LockfileComparer.Typosquat, $"{Show(n)} is new and its name is one or two edits from the popular package '{popular}': check it is the package meant."));
                Place(c, newGraph.Value, n);
                changes.Add((i, c));
            }
            var removed = new List<NpmLockfileChange>();
            for (int o = 0; o < reference.Count; o++)
            {
                if (oldUsed[o] || LockNode.IsProjectFolder(reference[o].Key) || oldByKey[reference[o].Key] != o) continue;
                var c = New(NpmLockfileChangeKind.Removed, reference[o], null, options);
                Place(c, oldGraph.Value, reference[o]);
                removed.Add(c);
            }

            var all = changes.OrderBy(x => x.Order).Select(x => x.Change).Concat(removed).ToList();
            foreach (var c in all) LockfileComparer.Settle(c);
            bool complete = (!oldGraph.IsValueCreated || oldGraph.Value.Complete) && (!newGraph.IsValueCreated || newGraph.Value.Complete);
            return new LockfileComparison(all, reference.Count(r => !LockNode.IsProjectFolder(r.Key)), difference.Count(r => !LockNode.IsProjectFolder(r.Key)), moved, complete);
        }

        /// <summary>The change between two entries of one package, or null when nothing that matters differs.</summary>
        private static NpmLockfileChange? Paired(LockNode o, LockNode n, LockfileCompareOptions options)
        {
            NpmLockfileChangeKind kind;
            bool sameVersion = string.Equals(o.Version, n.Version, StringComparison.Ordinal);
            if (sameVersion) kind = NpmLockfileChangeKind.Changed;
            else if (NpmVersion.TryParse(o.Version, out var ov) && NpmVersion.TryParse(n.Version, out var nv) && ov != nv)
                kind = nv > ov ? NpmLockfileChangeKind.Upgraded : NpmLockfileChangeKind.Downgraded;
            else kind = NpmLockfileChangeKind.Changed;   // a version that is not semver (a git or file source), or 1.0.0 vs v1.0.0

            var integrity = Sri.Compare(o.Integrity, n.Integrity);
            // npm leaves resolved out of a lockfile written with omit-lockfile-registry-resolved and asks the configured
            // registry instead; one appearing or vanishing while the same hash pins the content is not a change
            bool oneSided = string.IsNullOrEmpty(o.Resolved) != string.IsNullOrEmpty(n.Resolved);
            bool resolvedDiffers = oneSided ? integrity != SriComparison.Same : !string.Equals(o.Resolved ?? "", n.Resolved ?? "", StringComparison.Ordinal);
            bool scriptAdded = n.HasInstallScript && !o.HasInstallScript;
            if (sameVersion && integrity == SriComparison.Same && !resolvedDiffers && n.HasInstallScript == o.HasInstallScript && o.Link == n.Link)
                return null;

            var c = New(kind, o, n, options);
            if (o.Key != n.Key) c.ReferencePackagePath = o.Key;
            if (sameVersion && integrity == SriComparison.Different)
                c.Signals.Add(new LockfileSignal(LockfileComparer.TarballSwap, $"{Show(n)} kept its version but its integrity changed ({Cut(o.Integrity)} → {Cut(n.Integrity)}): a different tarball under the same version, which a registry never serves for one version."));
            if (integrity == SriComparison.Removed)
                c.Signals.Add(new LockfileSignal(LockfileComparer.IntegrityRemoved, $"{Show(n)} has no integrity any more (it had {Cut(o.Integrity)}): npm will install whatever the resolved URL serves without checking it."));
            var (oldKind, newKind) = (LockfileComparer.SourceOf(o.Resolved), LockfileComparer.SourceOf(n.Resolved));
            if (oldKind != LockfileComparer.SourceKind.None && newKind != LockfileComparer.SourceKind.None && oldKind != newKind)
                c.Signals.Add(new LockfileSignal(LockfileComparer.SourceChanged, $"{Show(n)} is now resolved from {Describe(newKind)} instead of {Describe(oldKind)} ({LockfileComparer.SafeUrl(o.Resolved)} → {LockfileComparer.SafeUrl(n.Resolved)})."));
            else if (LockfileComparer.Host(o.Resolved) is string oh && LockfileComparer.Host(n.Resolved) is string nh && !string.Equals(oh, nh, StringComparison.OrdinalIgnoreCase))
                c.Signals.Add(new LockfileSignal(LockfileComparer.HostChanged, $"{Show(n)} is now resolved from {nh} instead of {oh} ({LockfileComparer.SafeUrl(n.Resolved)})."));
            if (scriptAdded)
                c.Signals.Add(new LockfileSignal(LockfileComparer.InstallScript, $"{Show(n)} now has an install script (preinstall, install, postinstall or a binding.gyp) that {o.Version ?? "the reference"} did not have; npm runs it at install."));
            if (kind == NpmLockfileChangeKind.Downgraded)
                c.Signals.Add(new LockfileSignal(LockfileComparer.Downgrade, $"{LockfileComparer.NameOf(n)} goes down from {o.Version} to {n.Version}: a lower version can bring back a fixed vulnerability, and is how a pinned malicious release is slipped in."));
            return c;
        }

        private static NpmLockfileChange New(NpmLockfileChangeKind kind, LockNode? o, LockNode? n, LockfileCompareOptions options)
        {
            var at = n ?? o!;
            return new NpmLockfileChange
            {
                Change = kind,
                Name = LockfileComparer.NameOf(at),
                Before = o?.Version,
                After = n?.Version,
                PackagePath = at.Key,
                Dev = at.Dev,
                Optional = at.Optional,
                ResolvedBefore = o?.Resolved != null ? LockfileComparer.SafeUrl(o.Resolved) : null,
                ResolvedAfter = n?.Resolved != null ? LockfileComparer.SafeUrl(n.Resolved) : null,
                IntegrityBefore = o?.Integrity,
                IntegrityAfter = n?.Integrity,
                Path = options.Path,
                ReferencePath = options.ReferencePath,
                Line = at.Line,
            };
        }

        private static void Place(NpmLockfileChange c, LegacyLockfileGraph graph, LockNode node)
        {
            var p = graph.Place(graph.IndexOf(node.Key));
            c.Direct = p.Direct;
            c.Via = p.Via;
            c.ViaCount = p.ViaCount;
            c.Chain = p.Chain;
        }

        private static string Show(LockNode n) => n.Version != null ? LockfileComparer.NameOf(n) + "@" + n.Version : LockfileComparer.NameOf(n);

        private static string? Cut(string? s) => s == null ? "none" : s.Length <= 24 ? s : s.Substring(0, 20) + "…";

        private static string Describe(LockfileComparer.SourceKind k) => k switch
        {
            LockfileComparer.SourceKind.Https => "an https URL",
            LockfileComparer.SourceKind.Http => "a plain http URL",
            LockfileComparer.SourceKind.Git => "a git repository",
            LockfileComparer.SourceKind.File => "a local file",
            _ => "a local folder",
        };

    }
}
