using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The difference between two lockfiles as one <see cref="NpmLockfileChange"/> per installed package that differs,
    /// each placed in the new tree (or the old one when removed) and carrying the risk signals of the lockfile
    /// comparison rules (NPMH15050–NPMH15056; the online ones, NPMH15057 and NPMH15058, are added by <see cref="LockfileReleaseCheck"/>).
    /// </summary>
    /// <remarks>
    /// Entries pair by key first. What is left pairs by name (npm moved the package while hoisting, or changed its
    /// version and its place at once): the same version with the same integrity and source is a move and not a change;
    /// anything else is one change whose <see cref="NpmLockfileChange.ReferencePackagePath"/> says where it was. Only then is
    /// an entry Added or Removed. The project folder and workspace folders are the project's own code, not installed
    /// packages, and are not compared.
    /// </remarks>
    internal static class LockfileComparer
    {
        public const string TarballSwap = "NPMH15050";
        public const string HostChanged = "NPMH15051";
        public const string SourceChanged = "NPMH15052";
        public const string IntegrityRemoved = "NPMH15053";
        public const string InstallScript = "NPMH15054";
        public const string Downgrade = "NPMH15055";
        public const string Typosquat = "NPMH15056";

        /// <summary>Every rule the comparison produces, the online ones included.</summary>
        public static IReadOnlyCollection<string> RuleIds { get; } = new[]
        {
            TarballSwap, HostChanged, SourceChanged, IntegrityRemoved, InstallScript, Downgrade, Typosquat, LockfileReleaseCheck.Young, LockfileReleaseCheck.TrustLost,
        };

        /// <summary>Compares <paramref name="reference"/> (the old lockfile's entries) with <paramref name="difference"/> (the new one's).</summary>
        public static LockfileComparison Compare(IReadOnlyList<LockNode> reference, IReadOnlyList<LockNode> difference, LockfileCompareOptions options)
        {
            if (reference == null) throw new ArgumentNullException(nameof(reference));
            if (difference == null) throw new ArgumentNullException(nameof(difference));
            options ??= new LockfileCompareOptions();
            var token = options.CancellationToken;

            // Each side's key index is its graph's: built once, for the pairing here and the placement below. The edges
            // are resolved only when a change on that side is placed.
            var oldGraph = new LockfileGraph(reference, options.VisitBudget, token);
            var newGraph = new LockfileGraph(difference, options.VisitBudget, token);
            // a key listed twice: the reference's later entry is the one compared (the index's), the new file's first
            bool oldKeysDistinct = oldGraph.DistinctKeys == reference.Count;
            var newSeen = newGraph.DistinctKeys == difference.Count ? null : new HashSet<string>(StringComparer.Ordinal);
            var oldUsed = new bool[reference.Count];
            var pairs = new List<(int Old, int New)>(difference.Count);
            var unmatchedNew = new List<int>();
            for (int i = 0; i < difference.Count; i++)
            {
                if ((i & 4095) == 0) token.ThrowIfCancellationRequested();
                var n = difference[i];
                if (newGraph.IsProjectFolder(i) || (newSeen != null && !newSeen.Add(n.Key))) continue;
                int o = oldGraph.IndexOf(n.Key);
                if (o >= 0 && !oldUsed[o] && NameOf(reference[o]) == NameOf(n))
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
                if (oldUsed[o] || oldGraph.IsProjectFolder(o) || (!oldKeysDistinct && oldGraph.IndexOf(reference[o].Key) != o)) continue;
                var name = NameOf(reference[o]);
                if (!oldLeftByName.TryGetValue(name, out var list)) oldLeftByName[name] = list = new List<int>();
                list.Add(o);
            }
            var added = new List<int>();
            int moved = 0;
            foreach (int i in unmatchedNew)
            {
                var n = difference[i];
                if (!oldLeftByName.TryGetValue(NameOf(n), out var candidates) || candidates.Count == 0) { added.Add(i); continue; }
                int pick = -1;
                for (int k = 0; k < candidates.Count; k++)
                    if (reference[candidates[k]].Version == n.Version) { pick = k; break; }
                if (pick < 0) pick = 0;
                int old = candidates[pick];
                candidates.RemoveAt(pick);
                oldUsed[old] = true;
                pairs.Add((old, i));
            }

            HashSet<string>? oldNames = null;
            HashSet<string>? oldHosts = null;

            var changes = new List<(int Order, NpmLockfileChange Change)>();
            foreach (var (o, i) in pairs)
            {
                var c = Paired(reference[o], difference[i], options);
                if (c == null) { if (reference[o].Key != difference[i].Key) moved++; continue; }
                token.ThrowIfCancellationRequested();
                Place(c, newGraph, difference[i]);
                changes.Add((i, c));
            }
            foreach (int i in added)
            {
                var n = difference[i];
                var c = New(NpmLockfileChangeKind.Added, null, n, options);
                if (Host(n.Resolved) is string host && reference.Count > 0 && !(oldHosts ??= Hosts(reference)).Contains(host))
                    c.Signals.Add(new LockfileSignal(HostChanged, $"{Show(n)} is resolved from {host}, a host no package of the reference lockfile came from ({SafeUrl(n.Resolved)})."));
                if (n.HasInstallScript)
                    c.Signals.Add(new LockfileSignal(InstallScript, $"{Show(n)} is new and has an install script (preinstall, install, postinstall or a binding.gyp), which npm runs at install."));
                if (options.Typosquat != null && !(oldNames ??= Names(reference)).Contains(NameOf(n)) && options.Typosquat(NameOf(n)) is string popular)
                    c.Signals.Add(new LockfileSignal(Typosquat, $"{Show(n)} is new and its name is one or two edits from the popular package '{popular}': check it is the package meant."));
                Place(c, newGraph, n);
                changes.Add((i, c));
            }
            var removed = new List<NpmLockfileChange>();
            int referencePackages = 0;
            for (int o = 0; o < reference.Count; o++)
            {
                if (oldGraph.IsProjectFolder(o)) continue;
                referencePackages++;
                if (oldUsed[o] || (!oldKeysDistinct && oldGraph.IndexOf(reference[o].Key) != o)) continue;
                var c = New(NpmLockfileChangeKind.Removed, reference[o], null, options);
                Place(c, oldGraph, reference[o]);
                removed.Add(c);
            }
            int packages = 0;
            for (int i = 0; i < difference.Count; i++) if (!newGraph.IsProjectFolder(i)) packages++;

            changes.Sort((x, y) => x.Order.CompareTo(y.Order));   // the orders are distinct entries: no tie for an unstable sort to break
            var all = new List<NpmLockfileChange>(changes.Count + removed.Count);
            foreach (var x in changes) all.Add(x.Change);
            all.AddRange(removed);
            foreach (var c in all) Settle(c);
            return new LockfileComparison(all, referencePackages, packages, moved, oldGraph.Complete && newGraph.Complete);
        }

        private static HashSet<string> Names(IReadOnlyList<LockNode> nodes)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < nodes.Count; i++) names.Add(NameOf(nodes[i]));
            return names;
        }

        /// <summary>
        /// The hosts of every http(s) resolved URL of <paramref name="nodes"/>. An entry whose URL starts with the same
        /// <c>scheme://authority/</c> as the last one parsed adds nothing (the host is a function of those characters, and
        /// a URL that does not parse adds nothing either), so a lockfile from one registry costs one parse instead of
        /// one per entry.
        /// </summary>
        internal static HashSet<string> Hosts(IReadOnlyList<LockNode> nodes)
        {
            var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            string? lastPrefix = null;   // "https://registry.npmjs.org/" of the last URL that gave a host
            for (int i = 0; i < nodes.Count; i++)
            {
                var url = nodes[i].Resolved;
                if (url == null) continue;
                if (lastPrefix != null && url.Length > lastPrefix.Length && string.CompareOrdinal(url, 0, lastPrefix, 0, lastPrefix.Length) == 0) continue;
                if (Host(url) is not string host) continue;
                hosts.Add(host);
                lastPrefix = AuthorityPrefix(url);
            }
            return hosts;
        }

        /// <summary><c>https://host:port/</c> of an http(s) URL, through the '/' that ends its authority; null when a '?', '#' or '\' ends it first, or nothing does.</summary>
        private static string? AuthorityPrefix(string url)
        {
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0) return null;
            int end = url.IndexOfAny(AuthorityEnds, scheme + 3);
            return end > scheme + 3 && url[end] == '/' ? url.Substring(0, end + 1) : null;
        }

        private static readonly char[] AuthorityEnds = { '/', '?', '#', '\\' };

        /// <summary>The change between two entries of one package, or null when nothing that matters differs.</summary>
        private static NpmLockfileChange? Paired(LockNode o, LockNode n, LockfileCompareOptions options)
        {
            // most pairs are the same text field by field: nothing below can find a change in them
            if (string.Equals(o.Version, n.Version, StringComparison.Ordinal) && string.Equals(o.Integrity, n.Integrity, StringComparison.Ordinal) &&
                string.Equals(o.Resolved, n.Resolved, StringComparison.Ordinal) && o.HasInstallScript == n.HasInstallScript && o.Link == n.Link)
                return null;
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
                c.Signals.Add(new LockfileSignal(TarballSwap, $"{Show(n)} kept its version but its integrity changed ({Cut(o.Integrity)} → {Cut(n.Integrity)}): a different tarball under the same version, which a registry never serves for one version."));
            if (integrity == SriComparison.Removed)
                c.Signals.Add(new LockfileSignal(IntegrityRemoved, $"{Show(n)} has no integrity any more (it had {Cut(o.Integrity)}): npm will install whatever the resolved URL serves without checking it."));
            var (oldKind, newKind) = (SourceOf(o.Resolved), SourceOf(n.Resolved));
            if (oldKind != SourceKind.None && newKind != SourceKind.None && oldKind != newKind)
                c.Signals.Add(new LockfileSignal(SourceChanged, $"{Show(n)} is now resolved from {Describe(newKind)} instead of {Describe(oldKind)} ({SafeUrl(o.Resolved)} → {SafeUrl(n.Resolved)})."));
            else if (Host(o.Resolved) is string oh && Host(n.Resolved) is string nh && !string.Equals(oh, nh, StringComparison.OrdinalIgnoreCase))
                c.Signals.Add(new LockfileSignal(HostChanged, $"{Show(n)} is now resolved from {nh} instead of {oh} ({SafeUrl(n.Resolved)})."));
            if (scriptAdded)
                c.Signals.Add(new LockfileSignal(InstallScript, $"{Show(n)} now has an install script (preinstall, install, postinstall or a binding.gyp) that {o.Version ?? "the reference"} did not have; npm runs it at install."));
            if (kind == NpmLockfileChangeKind.Downgraded)
                c.Signals.Add(new LockfileSignal(Downgrade, $"{NameOf(n)} goes down from {o.Version} to {n.Version}: a lower version can bring back a fixed vulnerability, and is how a pinned malicious release is slipped in."));
            return c;
        }

        private static NpmLockfileChange New(NpmLockfileChangeKind kind, LockNode? o, LockNode? n, LockfileCompareOptions options)
        {
            var at = n ?? o!;
            return new NpmLockfileChange
            {
                Change = kind,
                Name = NameOf(at),
                Before = o?.Version,
                After = n?.Version,
                PackagePath = at.Key,
                Dev = at.Dev,
                Optional = at.Optional,
                ResolvedBefore = o?.Resolved != null ? SafeUrl(o.Resolved) : null,
                ResolvedAfter = n?.Resolved != null ? SafeUrl(n.Resolved) : null,
                IntegrityBefore = o?.Integrity,
                IntegrityAfter = n?.Integrity,
                Path = options.Path,
                ReferencePath = options.ReferencePath,
                Line = at.Line,
            };
        }

        private static void Place(NpmLockfileChange c, LockfileGraph graph, LockNode node)
        {
            var p = graph.Place(graph.IndexOf(node.Key));
            c.Direct = p.Direct;
            c.Via = p.Via;
            c.ViaCount = p.ViaCount;
            c.Chain = p.Chain;
        }

        /// <summary>Orders the signals riskiest first and fills Risk, RuleIds and Reasons from them.</summary>
        internal static void Settle(NpmLockfileChange c)
        {
            var ordered = c.Signals.Select((s, i) => (s, i)).OrderByDescending(x => RuleCatalog.Default[x.s.RuleId].Severity).ThenBy(x => x.i).Select(x => x.s).ToList();
            c.Signals.Clear();
            c.Signals.AddRange(ordered);
            c.Risk = ordered.Count == 0 ? NpmSeverity.Info : RuleCatalog.Default[ordered[0].RuleId].Severity;
            c.RuleIds = ordered.Select(s => s.RuleId).ToArray();
            c.Reasons = ordered.Select(s => s.Reason).ToArray();
        }

        /// <summary>
        /// One finding per risk signal of each change (the -Audit view), stamped from the catalog. A removed package's
        /// finding points into the reference lockfile.
        /// </summary>
        public static List<NpmLockfileChangeFinding> Findings(IEnumerable<NpmLockfileChange> changes, string? context, string machine)
        {
            var findings = new List<NpmLockfileChangeFinding>();
            foreach (var c in changes)
                foreach (var s in c.Signals)
                {
                    var f = FindingFactory.Stamp(new NpmLockfileChangeFinding(), RuleCatalog.Default[s.RuleId], machine);
                    f.Status = NpmFindingStatus.Fail;
                    f.Message = s.Reason;
                    f.Package = c.Name;
                    f.Version = c.After;
                    f.ReferenceVersion = c.Before;
                    f.Change = c.Change;
                    f.PackagePath = c.PackagePath;
                    f.Direct = c.Direct;
                    f.Resolved = c.ResolvedAfter ?? c.ResolvedBefore;
                    f.Dev = c.Dev;
                    f.Via = c.Via;
                    f.Chain = c.Chain;
                    f.Context = context;
                    var file = c.Change == NpmLockfileChangeKind.Removed ? c.ReferencePath : c.Path;
                    f.Location = System.IO.Path.IsPathRooted(file)
                        ? FindingFactory.File(file, c.Line)
                        : new NpmFindingLocation { Name = file, Line = c.Line };
                    f.FactId = FindingFactory.FactId(f, c.PackagePath, c.Name, c.After ?? c.Before);
                    f.Remediation = new NpmRemediation { Summary = RuleCatalog.Default[s.RuleId].Remediation };
                    findings.Add(f);
                }
            return findings;
        }

        /// <summary>The verdict over the changes and the findings left after the policy (a Suppressed finding is counted apart).</summary>
        public static NpmLockfileReview Summarise(LockfileComparison comparison, IEnumerable<NpmLockfileChangeFinding> findings, string path, string referencePath, string? baseCommit, string machine)
        {
            var r = new NpmLockfileReview
            {
                Path = path, ReferencePath = referencePath, BaseCommit = baseCommit, ComputerName = machine,
                Packages = comparison.Packages, ReferencePackages = comparison.ReferencePackages, Complete = comparison.Complete,
                Risk = NpmSeverity.Info,
            };
            foreach (var c in comparison.Changes)
                switch (c.Change)
                {
                    case NpmLockfileChangeKind.Added: r.Added++; break;
                    case NpmLockfileChangeKind.Removed: r.Removed++; break;
                    case NpmLockfileChangeKind.Upgraded: r.Upgraded++; break;
                    case NpmLockfileChangeKind.Downgraded: r.Downgraded++; break;
                    default: r.Changed++; break;
                }
            var counted = new List<NpmLockfileChangeFinding>();
            foreach (var f in findings)
            {
                if (f.Status == NpmFindingStatus.Suppressed) { r.Suppressed++; continue; }
                counted.Add(f);
                if (f.Severity > r.Risk) r.Risk = f.Severity;
                switch (f.Severity)
                {
                    case NpmSeverity.Critical: r.Critical++; break;
                    case NpmSeverity.High: r.High++; break;
                    case NpmSeverity.Medium: r.Medium++; break;
                    case NpmSeverity.Low: r.Low++; break;
                }
            }
            r.Signals = counted.Count;
            r.RuleCounts = counted.GroupBy(f => f.RuleId, StringComparer.Ordinal).OrderBy(g => g.Key, Comparer<string>.Create(RuleCatalog.CompareIds))
                .Select(g => g.Key + "=" + g.Count().ToString(CultureInfo.InvariantCulture)).ToArray();
            r.TopReasons = counted.Select((f, i) => (f, i)).OrderByDescending(x => x.f.Severity).ThenBy(x => x.i).Take(10)
                .Select(x => x.f.RuleId + ": " + x.f.Message).ToArray();
            int total = comparison.Changes.Count;
            var counts = string.Format(CultureInfo.InvariantCulture, "{0} changed package(s): {1} added, {2} removed, {3} upgraded, {4} downgraded, {5} changed",
                total, r.Added, r.Removed, r.Upgraded, r.Downgraded, r.Changed);
            var suppressed = r.Suppressed > 0 ? string.Format(CultureInfo.InvariantCulture, "; {0} suppressed by policy", r.Suppressed) : "";
            r.Verdict = r.Signals == 0
                ? "No risk signals. " + counts + suppressed + "."
                : string.Format(CultureInfo.InvariantCulture, "{0}: {1} risk signal(s) in {2}{3}. First: {4}", r.Risk, r.Signals, counts, suppressed, r.TopReasons[0]);
            if (!r.Complete) r.Verdict += " (The tree placement hit its bound: some Via lists are partial.)";
            return r;
        }

        // ---- small judgements ----------------------------------------------------------------------------------

        internal static string NameOf(LockNode n) => n.Name.Length > 0 ? n.Name : LockNode.NameFromKey(n.Key);

        private static string Show(LockNode n) => n.Version != null ? NameOf(n) + "@" + n.Version : NameOf(n);

        private static string? Cut(string? s) => s == null ? "none" : s.Length <= 24 ? s : s.Substring(0, 20) + "…";

        internal enum SourceKind { None, Https, Http, Git, File, Other }

        internal static SourceKind SourceOf(string? resolved)
        {
            if (string.IsNullOrEmpty(resolved)) return SourceKind.None;
            var r = resolved!;
            if (r.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return SourceKind.Https;
            if (r.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return SourceKind.Http;
            if (r.StartsWith("git", StringComparison.OrdinalIgnoreCase) || r.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) return SourceKind.Git;
            if (r.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return SourceKind.File;
            return SourceKind.Other;   // a link's relative folder
        }

        private static string Describe(SourceKind k) => k switch
        {
            SourceKind.Https => "an https URL",
            SourceKind.Http => "a plain http URL",
            SourceKind.Git => "a git repository",
            SourceKind.File => "a local file",
            _ => "a local folder",
        };

        /// <summary>The host (and port when not the default) of an http(s) resolved URL; null otherwise.</summary>
        internal static string? Host(string? resolved)
        {
            var kind = SourceOf(resolved);
            if (kind != SourceKind.Https && kind != SourceKind.Http) return null;
            if (!Uri.TryCreate(resolved, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return null;
            return uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>A resolved URL fit to show: no user info, no query (either may hold a token); a git URL keeps its #commit.</summary>
        internal static string SafeUrl(string? resolved)
        {
            if (resolved == null) return "none";
            if (Uri.TryCreate(resolved, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            {
                var shown = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
                if (SourceOf(resolved) == SourceKind.Git && uri.Fragment.Length > 1) shown += uri.Fragment;
                return shown;
            }
            return Credentials.NpmCredential.RedactText(resolved);
        }
    }
}
