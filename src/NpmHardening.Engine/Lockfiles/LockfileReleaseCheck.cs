using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The online signals of Compare-NpmLockfile -Online, read from each changed package's document (the release model
    /// of the release audit, <see cref="NpmPackageRelease"/>), asked once per name, for registry packages only (not git,
    /// file or link sources): a version the change brings in that was published less than the cooldown ago (npm's
    /// <c>min-release-age</c>), and a version that lost the trusted publishing or provenance the version it replaces had.
    /// </summary>
    internal static class LockfileReleaseCheck
    {
        public const string Young = "NPMH15057";
        public const string TrustLost = "NPMH15058";

        /// <summary>
        /// Adds the signals to the changes. <paramref name="releases"/> answers for one name (null: it could not, already
        /// said); at most <paramref name="maxPackages"/> names are asked, the rest are returned unasked.
        /// <paramref name="exempt"/> are npm's min-release-age-exclude patterns: they exempt a package from the cooldown
        /// only, not from the trust check.
        /// </summary>
        public static IReadOnlyList<string> Check(IEnumerable<NpmLockfileChange> changes, Func<string, IReadOnlyList<NpmPackageRelease>?> releases,
            TimeSpan cooldown, DateTimeOffset now, int maxPackages, IEnumerable<string>? exempt, CancellationToken cancellationToken = default)
        {
            var globs = (exempt ?? Enumerable.Empty<string>()).Select(p => p.Trim()).Where(p => p.Length > 0 && p[0] != '!')
                .Select(WildcardMatcher.Minimatch).Where(g => g != null).ToList();
            var asked = new Dictionary<string, IReadOnlyList<NpmPackageRelease>?>(StringComparer.Ordinal);
            var unasked = new List<string>();
            foreach (var c in changes)
            {
                if (c.After == null || !FromRegistry(c.ResolvedAfter)) continue;
                if (!asked.TryGetValue(c.Name, out var list))
                {
                    if (asked.Count >= maxPackages)
                    {
                        if (!unasked.Contains(c.Name)) unasked.Add(c.Name);
                        continue;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    asked[c.Name] = list = releases(c.Name);
                }
                if (list == null) continue;
                var after = list.FirstOrDefault(r => r.Version == c.After);
                if (after == null) continue;
                bool changed = false;
                if (after.PublishedAt is DateTimeOffset published && now - published < cooldown && !globs.Any(g => g!.IsMatch(c.Name)))
                {
                    c.Signals.Add(new LockfileSignal(Young, string.Format(CultureInfo.InvariantCulture,
                        "{0}@{1} was published {2} ago ({3:yyyy-MM-dd HH:mm} UTC), less than the {4}-day cooldown (min-release-age): releases this new are where a hijacked account's code sits before anyone notices.",
                        c.Name, c.After, Age(now - published), published.UtcDateTime, Days(cooldown))));
                    changed = true;
                }
                var before = c.Before != null && c.Before != c.After ? list.FirstOrDefault(r => r.Version == c.Before) : null;
                if (before != null)
                {
                    var lost = new List<string>();
                    if (before.HasTrustedPublisher && !after.HasTrustedPublisher) lost.Add("trusted publishing (OIDC)");
                    if (before.HasProvenance && !after.HasProvenance) lost.Add("provenance");
                    if (lost.Count > 0)
                    {
                        c.Signals.Add(new LockfileSignal(TrustLost, string.Format(CultureInfo.InvariantCulture,
                            "{0}@{1} was published without the {2} that {3} had{4}: a release outside the package's usual CI path is what a stolen token produces.",
                            c.Name, c.After, string.Join(" and ", lost), c.Before,
                            after.Publisher?.Name is string who ? " (published by " + who + ")" : "")));
                        changed = true;
                    }
                }
                if (changed) LockfileComparer.Settle(c);
            }
            return unasked;
        }

        /// <summary>A registry tarball (http or https), or no resolved URL at all (npm then asks the registry too).</summary>
        private static bool FromRegistry(string? resolved)
        {
            var kind = LockfileComparer.SourceOf(resolved);
            return kind == LockfileComparer.SourceKind.None || kind == LockfileComparer.SourceKind.Https || kind == LockfileComparer.SourceKind.Http;
        }

        private static string Age(TimeSpan t) =>
            t < TimeSpan.Zero ? "in the future" :
            t.TotalHours < 1 ? Math.Max(1, (int)t.TotalMinutes).ToString(CultureInfo.InvariantCulture) + " minute(s)" :
            t.TotalDays < 2 ? ((int)t.TotalHours).ToString(CultureInfo.InvariantCulture) + " hour(s)" :
            ((int)t.TotalDays).ToString(CultureInfo.InvariantCulture) + " day(s)";

        private static string Days(TimeSpan t) => t.TotalDays.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
