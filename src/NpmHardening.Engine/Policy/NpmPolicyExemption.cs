using System;
using System.Collections.Generic;
using System.Globalization;
using NpmHardening.Engine.Config;

namespace NpmHardening
{
    /// <summary>
    /// One entry of a policy's <c>Exceptions</c>: the findings of one rule, optionally only in contexts and at locations
    /// matching wildcard patterns, accepted for a stated reason until a date. It turns a Fail, Warning or Error finding
    /// into Suppressed and never hides it.
    /// </summary>
    public sealed class NpmPolicyExemption
    {
        public string RuleId { get; set; } = "";
        /// <summary>Wildcard pattern on the finding's Context (profile or project folder); null: every context.</summary>
        public string? Context { get; set; }
        /// <summary>Wildcard pattern on the finding's location (<c>path</c>, <c>path:line</c>, URI or name); null: everywhere.</summary>
        public string? Location { get; set; }
        public string Justification { get; set; } = "";
        /// <summary>The last day the exception applies (it applies through that whole day); null: no expiry.</summary>
        public DateTime? Expires { get; set; }
        /// <summary>The policy file and line of the exception (<c>path:line</c>).</summary>
        public string Source { get; set; } = "";

        /// <summary>True from the day after <see cref="Expires"/>.</summary>
        public bool IsExpired(DateTime today) => Expires is DateTime last && today.Date > last.Date;

        /// <summary>Whether the exception names this rule and its patterns match the context and one of the locations.</summary>
        public bool Matches(string? ruleId, string? context, IEnumerable<string?> locations)
        {
            if (!string.Equals(ruleId, RuleId, StringComparison.OrdinalIgnoreCase)) return false;
            if (Context != null && (context == null || !Either(Matcher(ref _context, Context), context))) return false;
            if (Location == null) return true;
            var pattern = Matcher(ref _location, Location);
            foreach (var l in locations)
                if (!string.IsNullOrEmpty(l) && Either(pattern, l!)) return true;
            return false;
        }

        /// <summary>A pattern written with / matches Windows paths too: the text is tried as is and with \ as /.</summary>
        private static bool Either(WildcardMatcher pattern, string text) =>
            pattern.IsMatch(text) || (text.IndexOf('\\') >= 0 && pattern.IsMatch(text.Replace('\\', '/')));

        // compiled patterns, rebuilt when the property changes
        private KeyValuePair<string, WildcardMatcher>? _context, _location;

        private static WildcardMatcher Matcher(ref KeyValuePair<string, WildcardMatcher>? cache, string pattern)
        {
            if (cache is KeyValuePair<string, WildcardMatcher> c && c.Key == pattern) return c.Value;
            var m = WildcardMatcher.PowerShell(pattern);
            cache = new KeyValuePair<string, WildcardMatcher>(pattern, m);
            return m;
        }

        public override string ToString() =>
            $"{RuleId} ({Source}){(Expires is DateTime d ? " until " + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "")}: {Justification}";
    }
}
