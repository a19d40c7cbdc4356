using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Rules
{
    public sealed partial class RuleCatalog
    {
        /// <summary>
        /// The rules as <see cref="NpmRule"/> objects, in id order, narrowed by every filter given (null: no filter):
        /// id patterns (PowerShell wildcards, case-insensitive; a rule matching any pattern is kept), area names or
        /// patterns, the baselines that must enforce the rule (any of them), and severities (any of them).
        /// </summary>
        public IEnumerable<NpmRule> Describe(bool windows, IReadOnlyCollection<string>? ruleIds = null, IReadOnlyCollection<string>? areas = null,
            IReadOnlyCollection<NpmBaseline>? baselines = null, IReadOnlyCollection<NpmSeverity>? severities = null)
        {
            var idMatchers = Matchers(ruleIds);
            var areaMatchers = Matchers(areas);
            foreach (var r in Rules)
            {
                if (idMatchers != null && !idMatchers.Any(m => m.IsMatch(r.Id))) continue;
                if (areaMatchers != null && !areaMatchers.Any(m => m.IsMatch(r.Area))) continue;
                if (baselines != null && baselines.Count > 0 && !r.Baselines.Any(baselines.Contains)) continue;
                if (severities != null && severities.Count > 0 && !severities.Contains(r.Severity)) continue;
                yield return ToRule(r, windows);
            }
        }

        /// <summary>The patterns (rule ids or wildcards) that select no rule of the catalog.</summary>
        public IEnumerable<string> UnmatchedRuleIds(IEnumerable<string> patterns) =>
            patterns.Where(p => !string.IsNullOrWhiteSpace(p))
                .Where(p => { var m = WildcardMatcher.PowerShell(p.Trim()); return !Rules.Any(r => m.IsMatch(r.Id)); });

        /// <summary>The npm version the rule needs: its capability's floor, or the first npm that defines its setting (null: every npm does).</summary>
        public static NpmVersion? MinimumNpmVersion(NpmSecurityRule rule)
        {
            if (rule.Feature != null) return rule.Feature.Minimum;
            if (rule.Setting == null) return null;
            var since = NpmConfigCatalog.Default.IntroducedIn(rule.Setting);
            return since is NpmVersion v && v > NpmConfigCatalog.Default.Versions[0] ? v : (NpmVersion?)null;
        }

        /// <summary>What the rule expects, in words: per baseline for config rules, else the catalog's text or the npm floor.</summary>
        internal static string? ExpectedText(NpmSecurityRule r)
        {
            if (r.Expectations.Count > 0)
                return string.Join("; ", r.Baselines.Select(b => $"{b}: {r.Expectations[b].Describe()}"));
            if (r.ExpectedText != null) return r.ExpectedText;
            return r.Feature != null ? $"npm ≥ {r.Feature.Minimum} for {r.Feature.Title}" : null;
        }

        private static NpmRule ToRule(NpmSecurityRule r, bool windows) => new NpmRule
        {
            RuleId = r.Id,
            Title = r.Title,
            Area = r.Area,
            Severity = r.Severity,
            Baselines = r.Baselines.ToArray(),
            Rationale = r.Rationale,
            Remediation = Example(r, windows ? r.RemediationWindows : r.Remediation),
            Reference = r.Reference,
            Setting = r.Setting,
            Expected = ExpectedText(r),
            MinimumNpmVersion = MinimumNpmVersion(r)?.ToString(),
            Online = r.Online,
            Audit = r.Audit != null && AuditKinds.TryGetValue(r.Audit, out var kind) ? kind.Command : null,
            WebSteps = r.WebSteps.ToArray(),
        };

        /// <summary>The rule's own remediation text (Unix form, placeholders shown as examples), as reports describe the rule.</summary>
        internal static string RemediationText(NpmSecurityRule r) => Example(r, r.Remediation);

        private static List<WildcardMatcher>? Matchers(IReadOnlyCollection<string>? patterns) =>
            patterns == null || patterns.Count == 0 ? null
                : patterns.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => WildcardMatcher.PowerShell(p.Trim())).ToList();
    }
}
