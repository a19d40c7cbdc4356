using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening
{
    /// <summary>
    /// One thing that happened to a package on a registry, read from the registry's own records (the package document's
    /// versions and times, the staged list): staged, approved, published, rejected or deprecated. The properties are
    /// the engine's; <see cref="ToEcs"/> gives the Elastic Common Schema field names (<c>@timestamp</c>,
    /// <c>event.action</c>, …) under which Get-NpmReleaseEvent writes it, so one event is one line a SIEM ingests.
    /// </summary>
    public sealed class NpmReleaseEvent
    {
        /// <summary>When it happened; null when the registry records no time for it (a deprecation).</summary>
        public DateTimeOffset? Timestamp { get; set; }
        /// <summary>When this module first saw it (the run that emitted it).</summary>
        public DateTimeOffset Observed { get; set; }
        /// <summary>One of <see cref="NpmReleaseEventActions"/>: package.staged, package.approved, package.published, package.rejected, package.deprecated.</summary>
        public string Action { get; set; } = "";
        /// <summary>ECS event.outcome: success, failure or unknown.</summary>
        public string Outcome { get; set; } = "success";
        /// <summary>The account that did it, as the registry records it; null when the registry does not say.</summary>
        public string? UserName { get; set; }
        public string Package { get; set; } = "";
        public string? Version { get; set; }
        /// <summary>The registry (no user info, no query).</summary>
        public string Registry { get; set; } = "";
        /// <summary>The staged item's id for staged and rejected events.</summary>
        public string? StageId { get; set; }
        /// <summary>One sentence: why this event was emitted.</summary>
        public string Reason { get; set; } = "";
        /// <summary>The registry fields the event was read from (<c>versions[1.2.0]._npmUser.approver.name=alice</c>; …).</summary>
        public string Evidence { get; set; } = "";
        /// <summary>
        /// Stable identity: the same registry fact gives the same id on every run and machine (a SHA-256 of the action, the
        /// registry host, the package, the version and what tells two such events apart), so a SIEM can deduplicate.
        /// </summary>
        public string EventId { get; set; } = "";

        /// <summary>
        /// The event under ECS names, in the order a reader expects. Absent values are left out (a SIEM treats a missing
        /// field and null alike, and the line stays short).
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, object>> ToEcs()
        {
            var fields = new List<KeyValuePair<string, object>>();
            void Add(string name, object? value)
            {
                if (value != null) fields.Add(new KeyValuePair<string, object>(name, value));
            }
            Add("@timestamp", Iso(Timestamp ?? Observed));
            Add("event.id", EventId);
            Add("event.kind", "event");
            Add("event.category", "package");
            Add("event.type", Type(Action));
            Add("event.action", Action);
            Add("event.outcome", Outcome);
            Add("event.created", Iso(Observed));
            Add("event.provider", "npm-registry");
            Add("event.reason", Reason);
            Add("event.module", "NpmHardening");
            Add("user.name", UserName);
            Add("package.name", Package);
            Add("package.version", Version);
            Add("package.type", "npm");
            Add("url.original", Registry.Length > 0 ? Registry : null);
            Add("npm.stage_id", StageId);
            Add("npm.evidence", Evidence.Length > 0 ? Evidence : null);
            Add("npm.timestamp_known", Timestamp.HasValue);
            return fields;
        }

        /// <summary>The event as one line of JSON with the ECS names (what ConvertTo-Json -Compress of the cmdlet's object gives).</summary>
        public string ToJsonLine()
        {
            var sb = new StringBuilder("{");
            bool first = true;
            foreach (var f in ToEcs())
            {
                if (!first) sb.Append(',');
                first = false;
                sb.Append(JsText.JsonQuote(f.Key)).Append(':');
                sb.Append(f.Value is bool b ? (b ? "true" : "false") : JsText.JsonQuote(Convert.ToString(f.Value, CultureInfo.InvariantCulture) ?? ""));
            }
            return sb.Append('}').ToString();
        }

        /// <summary>ISO 8601 in UTC with milliseconds and Z, as the registry writes times.</summary>
        public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        // ECS event.type allowed values: creation for a new version or staged item, change for an approval or deprecation,
        // deletion for a staged item that went away
        private static string Type(string action) => action switch
        {
            NpmReleaseEventActions.Staged => "creation",
            NpmReleaseEventActions.Published => "creation",
            NpmReleaseEventActions.Rejected => "deletion",
            _ => "change",
        };

        public override string ToString() => $"{Action} {Package}{(Version != null ? "@" + Version : "")}" + (Timestamp is DateTimeOffset t ? " " + Iso(t) : "");
    }

    /// <summary>The event.action values Get-NpmReleaseEvent emits (and Find-NpmUnapprovedPublish reads).</summary>
    public static class NpmReleaseEventActions
    {
        public const string Staged = "package.staged";
        public const string Approved = "package.approved";
        public const string Published = "package.published";
        public const string Rejected = "package.rejected";
        public const string Deprecated = "package.deprecated";
    }
}
