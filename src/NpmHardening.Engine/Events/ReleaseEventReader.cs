using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Engine.Events
{
    /// <summary>
    /// Turns what the registry shows about one package — its full package document and its staged list — into
    /// <see cref="NpmReleaseEvent"/>s. The registry keeps no audit log, so each event is read from a record that
    /// outlives it: a version's <c>time</c> and <c>_npmUser</c> (published; <c>_npmUser.approver</c>: approved), its
    /// <c>deprecated</c> message, a staged item, and — with the state of an earlier run — a staged item that went away
    /// without becoming the version it staged (rejected). Each signal is read on its own, never inferred from another.
    /// Everything read is the registry's word: hostile text, clipped and only ever shown.
    /// </summary>
    public static class ReleaseEventReader
    {
        /// <summary>The longest text of the registry's an event carries in one field (a deprecation message, a user name).</summary>
        public const int MaxFieldLength = 512;

        /// <summary>
        /// The events of one package. <paramref name="packument"/> is the full document (GET /{name}, read by
        /// <see cref="NpmPackumentReader"/>; null when the registry has none yet); <paramref name="staged"/>
        /// what GET /-/stage listed for the package, read before the document so that an item approved in between is
        /// found as a version; <paramref name="previouslyStaged"/> the items an earlier run saw for this package (empty
        /// without state: no rejection can be told then).
        /// </summary>
        public static List<NpmReleaseEvent> Read(NpmPackument? packument, IEnumerable<NpmStagedPackage> staged, IEnumerable<ReleaseEventStagedItem> previouslyStaged,
            string registry, string package, DateTimeOffset now)
        {
            var host = HostOf(registry);
            var events = new List<NpmReleaseEvent>();
            var versions = new Dictionary<string, NpmPackageRelease>(StringComparer.Ordinal);
            foreach (var release in packument?.Releases ?? Array.Empty<NpmPackageRelease>())
            {
                versions[release.Version] = release;
                var v = Clip(release.Version);
                var at = release.PublishedAt;
                var timeEvidence = $"time[{v}]=" + (at is DateTimeOffset t ? NpmReleaseEvent.Iso(t) : "(none)");
                var publisher = Text(release.Publisher?.Key);
                var evidence = new List<string> { timeEvidence, $"versions[{v}]._npmUser.name=" + (publisher ?? "(none)") };
                if (release.TrustedPublisher != null) evidence.Add($"versions[{v}]._npmUser.trustedPublisher.id=" + (Text(release.TrustedPublisher.Provider) ?? "(none)"));
                if (Text(release.Shasum) is string sha) evidence.Add($"versions[{v}].dist.shasum={sha}");
                events.Add(Make(NpmReleaseEventActions.Published, "success", at, now, publisher, package, v, registry, null,
                    $"Version {v} of {package} is in the registry's package document" + (at == null ? " (the document records no valid publish time for it)." : "."),
                    evidence, Id(NpmReleaseEventActions.Published, host, package, v, "")));

                if (release.Approver != null)
                {
                    var name = Text(release.Approver.Key);
                    events.Add(Make(NpmReleaseEventActions.Approved, "success", at, now, name, package, v, registry, null,
                        $"Version {v} of {package} carries an approver: it left staging through a second-factor approval" +
                        (name != null ? $" by {name}" : "") + ". The registry records one time for the version, used as the approval time.",
                        new List<string> { $"versions[{v}]._npmUser.approver.name=" + (name ?? "(none)"), timeEvidence },
                        Id(NpmReleaseEventActions.Approved, host, package, v, name ?? "")));
                }

                if (!string.IsNullOrEmpty(release.Deprecated))
                {
                    var message = release.Deprecated!;
                    events.Add(Make(NpmReleaseEventActions.Deprecated, "success", null, now, null, package, v, registry, null,
                        $"Version {v} of {package} is deprecated. The registry records neither when nor by whom; the event's time is when it was first seen.",
                        new List<string> { $"versions[{v}].deprecated={Clip(message)}" },
                        Id(NpmReleaseEventActions.Deprecated, host, package, v, message)));
                }
            }
            var unpublished = new HashSet<string>(packument?.UnpublishedVersions ?? Array.Empty<string>(), StringComparer.Ordinal);

            var current = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var item in staged)
            {
                current.Add(item.StageId);
                var v = item.Version != null ? Clip(item.Version) : null;
                var evidence = new List<string> { $"stage[{item.StageId}].createdAt=" + (item.StagedAt is DateTimeOffset s ? NpmReleaseEvent.Iso(s) : "(none)") };
                if (item.StagedBy != null) evidence.Add($"stage[{item.StageId}].actor={Clip(item.StagedBy)}" + (item.ActorType != null ? $" ({Clip(item.ActorType)})" : ""));
                if (item.Shasum != null) evidence.Add($"stage[{item.StageId}].shasum={Clip(item.Shasum)}");
                if (item.Tag != null) evidence.Add($"stage[{item.StageId}].tag={Clip(item.Tag)}");
                events.Add(Make(NpmReleaseEventActions.Staged, "success", item.StagedAt, now, item.StagedBy != null ? Clip(item.StagedBy) : null, package, v, registry, item.StageId,
                    $"{package}@{v ?? "?"} is staged (stage id {item.StageId}) and waits for approval.", evidence,
                    Id(NpmReleaseEventActions.Staged, host, package, v ?? "", item.StageId)));
            }

            foreach (var gone in previouslyStaged)
            {
                if (current.Contains(gone.StageId)) continue;
                NpmPackageRelease? release = null;
                if (gone.Version != null) versions.TryGetValue(gone.Version, out release);
                string? reason = null;
                if (release == null)
                {
                    // an unpublished version stays in time[] after it leaves versions: it was released, then removed
                    if (gone.Version != null && unpublished.Contains(gone.Version)) continue;
                    reason = "no version " + (gone.Version ?? "?") + " is in the package document";
                }
                else
                {
                    var published = release.Shasum;
                    if (gone.Shasum == null || published == null || string.Equals(published, gone.Shasum, StringComparison.OrdinalIgnoreCase)) continue;
                    reason = $"version {gone.Version} was published with shasum {Clip(published)}, not the staged {gone.Shasum}";
                }
                events.Add(Make(NpmReleaseEventActions.Rejected, "failure", null, now, null, package, gone.Version, registry, gone.StageId,
                    $"{package}@{gone.Version ?? "?"} (stage id {gone.StageId}) left the staged list without becoming that version: {reason}. It was rejected (or withdrawn); the registry records neither when nor by whom.",
                    new List<string> { $"stage[{gone.StageId}] seen before, missing now", "shasum " + (gone.Shasum ?? "(none)"), reason },
                    Id(NpmReleaseEventActions.Rejected, host, package, gone.Version ?? "", gone.StageId)));
            }

            return events.OrderBy(e => e.Timestamp ?? e.Observed).ThenBy(e => Rank(e.Action)).ThenBy(e => e.Version, StringComparer.Ordinal).ToList();
        }

        /// <summary>The staged items of <paramref name="staged"/> as the state keeps them for the next run.</summary>
        public static IEnumerable<ReleaseEventStagedItem> Remember(IEnumerable<NpmStagedPackage> staged, string registry, string package) =>
            staged.Select(s => new ReleaseEventStagedItem
            {
                Registry = registry,
                Package = package,
                StageId = s.StageId,
                Version = s.Version,
                Shasum = s.Shasum,
            });

        private static int Rank(string action) => action switch
        {
            NpmReleaseEventActions.Staged => 0,
            NpmReleaseEventActions.Approved => 1,
            NpmReleaseEventActions.Published => 2,
            NpmReleaseEventActions.Rejected => 3,
            _ => 4,
        };

        private static NpmReleaseEvent Make(string action, string outcome, DateTimeOffset? at, DateTimeOffset now, string? user, string package, string? version,
            string registry, string? stageId, string reason, List<string> evidence, string id) => new NpmReleaseEvent
        {
            Action = action,
            Outcome = outcome,
            Timestamp = at,
            Observed = now,
            UserName = user,
            Package = package,
            Version = version,
            Registry = registry,
            StageId = stageId,
            Reason = reason,
            Evidence = string.Join("; ", evidence),
            EventId = id,
        };

        /// <summary>
        /// A stable id: SHA-256 over the action, the registry host, the package, the version and the discriminator (stage id,
        /// approver, deprecation message), NUL-separated; the first 32 hex digits. No time of observation goes in.
        /// </summary>
        public static string Id(string action, string host, string package, string version, string discriminator)
        {
            using var sha = SHA256.Create();
            var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(string.Join("\0", action, host.ToLowerInvariant(), package, version, discriminator)));
            var sb = new StringBuilder(32);
            for (int i = 0; i < 16; i++) sb.Append(bytes[i].ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        internal static string HostOf(string registry) =>
            Uri.TryCreate(registry, UriKind.Absolute, out var u) ? u.Authority + u.AbsolutePath.TrimEnd('/') : registry;

        private static string? Text(string? value) => value != null && value.Length > 0 ? Clip(value) : null;

        /// <summary>At most <see cref="MaxFieldLength"/> characters, control characters as U+FFFD (a log line stays one line).</summary>
        internal static string Clip(string s)
        {
            var cut = s.Length > MaxFieldLength ? s.Substring(0, MaxFieldLength) + "…" : s;
            if (cut.All(c => !char.IsControl(c))) return cut;
            var sb = new StringBuilder(cut.Length);
            foreach (var c in cut) sb.Append(char.IsControl(c) ? '\uFFFD' : c);
            return sb.ToString();
        }
    }
}
