using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The online signal of Compare-NpmLockfile -Online: a version the change brings in that the registry published less
    /// than the cooldown ago (npm's <c>min-release-age</c>, in days). The release list comes from the package document's
    /// <c>time</c>, asked once per name, for registry packages only (not git, file or link sources).
    /// </summary>
    internal static class LockfileReleaseAge
    {
        public const string Young = "NPMH15057";

        /// <summary>
        /// Adds the signal to every change whose new version is younger than <paramref name="cooldown"/> at
        /// <paramref name="now"/>. <paramref name="releases"/> answers for one name (null: it could not, already said);
        /// at most <paramref name="maxPackages"/> names are asked, the rest are returned unasked.
        /// <paramref name="exempt"/> are npm's min-release-age-exclude patterns.
        /// </summary>
        public static IReadOnlyList<string> Check(IEnumerable<NpmLockfileChange> changes, Func<string, IReadOnlyList<NpmRelease>?> releases,
            TimeSpan cooldown, DateTimeOffset now, int maxPackages, IEnumerable<string>? exempt, CancellationToken cancellationToken = default)
        {
            var globs = (exempt ?? Enumerable.Empty<string>()).Select(p => p.Trim()).Where(p => p.Length > 0 && p[0] != '!')
                .Select(WildcardMatcher.Minimatch).Where(g => g != null).ToList();
            var asked = new Dictionary<string, IReadOnlyList<NpmRelease>?>(StringComparer.Ordinal);
            var unasked = new List<string>();
            foreach (var c in changes)
            {
                if (c.After == null || !FromRegistry(c.ResolvedAfter)) continue;
                if (globs.Any(g => g!.IsMatch(c.Name))) continue;
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
                var release = list?.FirstOrDefault(r => r.Version == c.After);
                if (release?.Published is not DateTimeOffset published) continue;
                var age = now - published;
                if (age >= cooldown) continue;
                c.Signals.Add(new LockfileSignal(Young, string.Format(CultureInfo.InvariantCulture,
                    "{0}@{1} was published {2} ago ({3:yyyy-MM-dd HH:mm} UTC), less than the {4}-day cooldown (min-release-age): releases this new are where a hijacked account's code sits before anyone notices.",
                    c.Name, c.After, Age(age), published.UtcDateTime, Days(cooldown))));
                LockfileComparer.Settle(c);
            }
            return unasked;
        }

        /// <summary>A registry tarball (http or https), or no resolved URL at all (npm then asks the registry too).</summary>
        private static bool FromRegistry(string? resolved)
        {
            var kind = LockfileComparer.SourceOf(resolved == "none" ? null : resolved);
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
