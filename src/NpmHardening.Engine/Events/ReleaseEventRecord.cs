using System;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace NpmHardening.Engine.Events
{
    /// <summary>What a correlation needs to know about an event's action.</summary>
    public enum ReleaseEventKind
    {
        Other,
        Staged,
        Approved,
        Published,
        /// <summary>A package created (an organisation's export); judged like a publish.</summary>
        Created,
        Rejected,
        Deprecated,
    }

    /// <summary>
    /// One event for Find-NpmUnapprovedPublish, whatever its source (Get-NpmReleaseEvent, an organisation's JSON lines or
    /// CSV export): the mapped fields, where it came from, and the fields as they arrived (for the alert).
    /// </summary>
    public sealed class ReleaseEventRecord
    {
        public ReleaseEventKind Kind { get; set; }
        /// <summary>The action text as the input wrote it.</summary>
        public string Action { get; set; } = "";
        public string Package { get; set; } = "";
        public string? Version { get; set; }
        public DateTimeOffset Time { get; set; }
        public string? User { get; set; }
        public string? EventId { get; set; }
        /// <summary>The file it was read from, when it came from one.</summary>
        public string? SourcePath { get; set; }
        /// <summary>1-based line (JSON lines) or record start line (CSV) in <see cref="SourcePath"/>.</summary>
        public int? SourceLine { get; set; }
        /// <summary>The registry URL, for Get-NpmReleaseEvent's events.</summary>
        public string? Registry { get; set; }
        public OrderedDictionary Fields { get; set; } = new OrderedDictionary(StringComparer.Ordinal);

        /// <summary>
        /// The kind of an action text, case-insensitive: Get-NpmReleaseEvent's package.* values, and the bare verbs an export
        /// may use (publish, published, package.publish, create, created, package.created, approve, …).
        /// </summary>
        public static ReleaseEventKind KindOf(string? action)
        {
            if (string.IsNullOrWhiteSpace(action)) return ReleaseEventKind.Other;
            var a = action!.Trim().ToLowerInvariant();
            if (a.StartsWith("package.", StringComparison.Ordinal)) a = a.Substring("package.".Length);
            else if (a.StartsWith("package_", StringComparison.Ordinal) || a.StartsWith("package-", StringComparison.Ordinal)) a = a.Substring("package_".Length);
            switch (a)
            {
                case "staged": case "stage": return ReleaseEventKind.Staged;
                case "approved": case "approve": return ReleaseEventKind.Approved;
                case "published": case "publish": return ReleaseEventKind.Published;
                case "created": case "create": return ReleaseEventKind.Created;
                case "rejected": case "reject": return ReleaseEventKind.Rejected;
                case "deprecated": case "deprecate": return ReleaseEventKind.Deprecated;
                default: return ReleaseEventKind.Other;
            }
        }
    }

    /// <summary>Which input field holds which part of an event (Find-NpmUnapprovedPublish's -ActionField, -PackageField, …).</summary>
    public sealed class ReleaseEventFieldMap
    {
        public string Action { get; set; } = "event.action";
        public string Package { get; set; } = "package.name";
        public string Version { get; set; } = "package.version";
        public string Time { get; set; } = "@timestamp";
        public string User { get; set; } = "user.name";
        public string Id { get; set; } = "event.id";
        public string Registry { get; set; } = "url.original";

        public IEnumerable<string> Names => new[] { Action, Package, Version, Time, User, Id, Registry };
    }
}
