using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Policy
{
    /// <summary>
    /// What -ExcludeRule, -Severity and -Policy do to an audit's findings, the same for every audit cmdlet:
    /// <list type="bullet">
    /// <item>a finding of an excluded rule (wildcards) or below the minimum severity is not emitted (the caller chose not to audit it);</item>
    /// <item>a Fail, Warning or Error finding that an unexpired policy exception covers is emitted with status Suppressed and its
    /// <see cref="NpmFindingSuppression"/> (justification, expiry, policy file:line, original status): never dropped;</item>
    /// <item>when only expired exceptions cover it, the finding keeps its status and <see cref="Expired"/> hears about it (a warning).</item>
    /// </list>
    /// </summary>
    public sealed class NpmFindingFilter
    {
        private readonly List<WildcardMatcher> _excluded;
        private readonly HashSet<NpmPolicyExemption> _used = new HashSet<NpmPolicyExemption>();

        public NpmFindingFilter(NpmHardeningPolicy? policy, IEnumerable<string>? excludeRules, NpmSeverity? minimumSeverity, DateTime today)
        {
            Policy = policy;
            MinimumSeverity = minimumSeverity;
            Today = today.Date;
            _excluded = (excludeRules ?? Enumerable.Empty<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => WildcardMatcher.PowerShell(p.Trim())).ToList();
        }

        public NpmHardeningPolicy? Policy { get; }
        public NpmSeverity? MinimumSeverity { get; }
        /// <summary>The day expiry is judged against (local date of the audit).</summary>
        public DateTime Today { get; }

        /// <summary>Hears an expired exception that would otherwise have covered a finding (the exception, the finding's rule and message).</summary>
        public Action<NpmPolicyExemption, string, string>? Expired { get; set; }

        /// <summary>False when the finding is not to be emitted at all: its rule is excluded or its severity is below the minimum.</summary>
        public bool Selects(string? ruleId, NpmSeverity severity)
        {
            if (MinimumSeverity is NpmSeverity min && severity < min) return false;
            if (ruleId != null) foreach (var m in _excluded) if (m.IsMatch(ruleId)) return false;
            return true;
        }

        /// <summary>
        /// The suppression for a finding with these facts, or null when none applies (no policy, a status that is not
        /// Fail/Warning/Error, no exception matches, or only expired ones do — then <see cref="Expired"/> is told).
        /// </summary>
        public NpmFindingSuppression? Suppression(string? ruleId, NpmFindingStatus status, string? context, string message, params string?[] locations)
        {
            if (Policy == null || Policy.Exceptions.Length == 0) return null;
            if (status != NpmFindingStatus.Fail && status != NpmFindingStatus.Warning && status != NpmFindingStatus.Error) return null;
            NpmPolicyExemption? expired = null;
            foreach (var x in Policy.Exceptions)
            {
                if (!x.Matches(ruleId, context, locations)) continue;
                if (x.IsExpired(Today)) { expired ??= x; continue; }
                lock (_used) _used.Add(x);
                return new NpmFindingSuppression { Justification = x.Justification, Expires = x.Expires, Source = x.Source, OriginalStatus = status };
            }
            if (expired != null) Expired?.Invoke(expired, ruleId ?? "", message);
            return null;
        }

        /// <summary>The unexpired exceptions of the policy that have suppressed nothing so far (in file order): candidates for removal.</summary>
        public IEnumerable<NpmPolicyExemption> Unused()
        {
            if (Policy == null) return Enumerable.Empty<NpmPolicyExemption>();
            lock (_used) return Policy.Exceptions.Where(x => !x.IsExpired(Today) && !_used.Contains(x)).ToList();
        }

        /// <summary>
        /// Applies the filter to a finding of the shared contract: false when it is not to be emitted; otherwise a covered
        /// finding comes back Suppressed with its <see cref="NpmFinding.Suppression"/>.
        /// </summary>
        public bool Apply(NpmFinding finding)
        {
            if (finding == null) throw new ArgumentNullException(nameof(finding));
            var l = finding.Location;
            return Apply(finding, l?.ToString(), l?.Path, l?.Uri, l?.Name);
        }

        /// <summary><see cref="Apply(NpmFinding)"/> with the texts an exception's Location may match given by the caller.</summary>
        public bool Apply(NpmFinding finding, params string?[] locations)
        {
            if (finding == null) throw new ArgumentNullException(nameof(finding));
            if (!Selects(finding.RuleId, finding.Severity)) return false;
            var s = Suppression(finding.RuleId, finding.Status, finding.Context, finding.Message, locations);
            if (s != null)
            {
                finding.Suppression = s;
                finding.Status = NpmFindingStatus.Suppressed;
            }
            return true;
        }

        /// <summary>
        /// Whether a suppression still holds on <paramref name="today"/>: a Suppressed finding whose exception expired,
        /// or that carries none (edited, or from an older run), counts as its original status again.
        /// </summary>
        public static bool Holds(NpmFindingSuppression? suppression, DateTime today) =>
            suppression != null && !string.IsNullOrWhiteSpace(suppression.Justification) && !(suppression.Expires is DateTime last && today.Date > last.Date);
    }
}
