using System;
using System.Collections.Specialized;

namespace NpmHardening
{
    /// <summary>
    /// A finding of Find-NpmUnapprovedPublish: one event (a publish, a package creation, an approval) that has no
    /// partner it should have — an approval within the window, a stage before the approval. A finding like every other
    /// (rule id, severity, message, location), so Export-NpmHardeningReport and the policy take it; the fields below say
    /// which event and what was looked for.
    /// </summary>
    public sealed class NpmReleaseAlert : NpmFinding
    {
        /// <summary>The event's action as the input named it (package.published, created, …).</summary>
        public string Action { get; set; } = "";
        public string Package { get; set; } = "";
        public string? Version { get; set; }
        /// <summary>When the unmatched event happened.</summary>
        public DateTimeOffset EventTime { get; set; }
        /// <summary>Who did it, when the input says.</summary>
        public string? Actor { get; set; }
        /// <summary>The input's event id (Get-NpmReleaseEvent's event.id), when it has one.</summary>
        public string? EventId { get; set; }
        /// <summary>The correlation window in hours: how far from the event a partner was looked for (a number, so a JSON line stays flat).</summary>
        public double WindowHours { get; set; }
        /// <summary>What was looked for and not found, in words (an approval of pkg@1.0.0 between … and …).</summary>
        public string LookedFor { get; set; } = "";
        /// <summary>The unmatched event as it arrived: its fields by name, values as text (nested objects as JSON).</summary>
        public OrderedDictionary Event { get; set; } = new OrderedDictionary(StringComparer.Ordinal);
    }
}
