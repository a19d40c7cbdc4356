using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Events
{
    /// <summary>
    /// The article's correlation: every publish or package creation needs an approval of the same package (and version,
    /// when both name one) no further than the window away, before or after; every approval needs a stage of the same
    /// package and version at or before it. What lacks its partner becomes an <see cref="NpmReleaseAlert"/>
    /// (NPMH14101 publish, NPMH14102 creation, NPMH14103 approval without a stage). The same event arriving twice
    /// (same event id, or same action, package, version and time) counts once.
    /// </summary>
    public sealed class UnapprovedPublishCorrelator
    {
        public const string PublishRule = "NPMH14101";
        public const string CreationRule = "NPMH14102";
        public const string ApprovalRule = "NPMH14103";

        /// <summary>The rules this correlation produces.</summary>
        public static IReadOnlyList<string> RuleIds { get; } = new[] { PublishRule, CreationRule, ApprovalRule };

        private readonly List<ReleaseEventRecord> _events = new List<ReleaseEventRecord>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        public UnapprovedPublishCorrelator(TimeSpan window)
        {
            if (window < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), "The window cannot be negative.");
            Window = window;
        }

        public TimeSpan Window { get; }
        /// <summary>Events taken (after duplicates were dropped).</summary>
        public int Count => _events.Count;
        /// <summary>Events whose action is none the correlation uses.</summary>
        public int Ignored { get; private set; }
        public int Duplicates { get; private set; }

        /// <summary>Adds one event; false when it is a duplicate or its action plays no part.</summary>
        public bool Add(ReleaseEventRecord record)
        {
            if (record.Kind == ReleaseEventKind.Other) { Ignored++; return false; }
            var key = record.EventId != null ? "id:" + record.EventId
                : string.Join("\0", record.Kind.ToString(), record.Package.ToLowerInvariant(), record.Version ?? "", record.Time.UtcTicks.ToString(CultureInfo.InvariantCulture));
            if (!_seen.Add(key)) { Duplicates++; return false; }
            _events.Add(record);
            return true;
        }

        /// <summary>The alerts, in time order.</summary>
        public IEnumerable<NpmReleaseAlert> Correlate(string? computerName = null)
        {
            var byPackage = _events.GroupBy(e => e.Package, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
            foreach (var e in _events.OrderBy(x => x.Time).ThenBy(x => x.Package, StringComparer.Ordinal))
            {
                var same = byPackage[e.Package];
                if (e.Kind == ReleaseEventKind.Published || e.Kind == ReleaseEventKind.Created)
                {
                    var from = e.Time - Window;
                    var to = e.Time + Window;
                    bool approved = same.Any(a => a.Kind == ReleaseEventKind.Approved && SameVersion(a, e) && a.Time >= from && a.Time <= to);
                    if (approved) continue;
                    var nearest = same.Where(a => a.Kind == ReleaseEventKind.Approved && SameVersion(a, e)).OrderBy(a => Distance(a.Time, e.Time)).FirstOrDefault();
                    var what = e.Kind == ReleaseEventKind.Created ? "created" : "published";
                    yield return Alert(e.Kind == ReleaseEventKind.Created ? CreationRule : PublishRule, e, computerName,
                        $"{Name(e)} was {what} at {Iso(e.Time)}" + (e.User != null ? $" by {e.User}" : "") + $" with no approval within {Describe(Window)}" +
                        (nearest != null ? $"; the nearest approval is {Describe(Distance(nearest.Time, e.Time))} {(nearest.Time < e.Time ? "before" : "after")} it ({Iso(nearest.Time)})." : "; there is no approval of it in the input."),
                        $"an approval (package.approved) of {Name(e)} between {Iso(from)} and {Iso(to)}");
                }
                else if (e.Kind == ReleaseEventKind.Approved)
                {
                    bool staged = same.Any(s => s.Kind == ReleaseEventKind.Staged && SameVersion(s, e) && s.Time <= e.Time);
                    if (staged) continue;
                    yield return Alert(ApprovalRule, e, computerName,
                        $"{Name(e)} was approved at {Iso(e.Time)}" + (e.User != null ? $" by {e.User}" : "") + " but the input has no stage event of it before then.",
                        $"a stage event (package.staged) of {Name(e)} at or before {Iso(e.Time)}");
                }
            }
        }

        private NpmReleaseAlert Alert(string ruleId, ReleaseEventRecord e, string? computerName, string message, string lookedFor)
        {
            var alert = FindingFactory.Stamp(new NpmReleaseAlert(), Rules.RuleCatalog.Default[ruleId], computerName);
            alert.Status = NpmFindingStatus.Fail;
            alert.Message = message;
            alert.Context = e.Package;
            alert.Action = e.Action;
            alert.Package = e.Package;
            alert.Version = e.Version;
            alert.EventTime = e.Time;
            alert.Actor = e.User;
            alert.EventId = e.EventId;
            alert.WindowHours = Window.TotalHours;
            alert.LookedFor = lookedFor;
            alert.Event = e.Fields;
            alert.Location = e.SourcePath != null ? new NpmFindingLocation { Path = e.SourcePath, Line = e.SourceLine }
                : e.Registry != null ? new NpmFindingLocation { Uri = e.Registry.TrimEnd('/') + "/" + e.Package + (e.Version != null ? "/" + e.Version : "") }
                : new NpmFindingLocation { Name = Name(e) };
            // the fact is the event, not the window or the file it was read from: the same event judged twice is one fact
            alert.FactId = ruleId + "|" + (e.EventId ?? string.Join("|", e.Package, e.Version ?? "", Iso(e.Time)));
            return FindingFactory.CompleteRemediation(alert);
        }

        private static bool SameVersion(ReleaseEventRecord a, ReleaseEventRecord b) =>
            a.Version == null || b.Version == null || string.Equals(a.Version, b.Version, StringComparison.Ordinal);

        private static TimeSpan Distance(DateTimeOffset a, DateTimeOffset b) => a > b ? a - b : b - a;

        private static string Name(ReleaseEventRecord e) => e.Version != null ? e.Package + "@" + e.Version : e.Package;

        private static string Iso(DateTimeOffset t) => NpmReleaseEvent.Iso(t);

        /// <summary>A duration as people say it: 30 h, 90 min, 2 d 4 h.</summary>
        internal static string Describe(TimeSpan span)
        {
            if (span.TotalMinutes < 1) return span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
            if (span.TotalHours < 2) return span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min";
            if (span.TotalHours < 72) return span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " h";
            return span.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + " d";
        }
    }
}
