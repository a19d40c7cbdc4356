using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>Desired settings and the warnings gathered while choosing them.</summary>
    public sealed class DesiredSettingSet
    {
        public DesiredSettingSet(IEnumerable<DesiredSetting> settings, IEnumerable<PlanWarning>? warnings = null)
        {
            // one entry per key: the last one given wins
            var byKey = new Dictionary<string, DesiredSetting>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var s in settings)
            {
                if (!byKey.ContainsKey(s.Key)) order.Add(s.Key);
                byKey[s.Key] = s;
            }
            Settings = order.Select(k => byKey[k]).ToList().AsReadOnly();
            Warnings = (warnings ?? Enumerable.Empty<PlanWarning>()).ToList().AsReadOnly();
        }

        public IReadOnlyList<DesiredSetting> Settings { get; }
        public IReadOnlyList<PlanWarning> Warnings { get; }

        /// <summary>This set with <paramref name="other"/>'s keys taking precedence.</summary>
        public DesiredSettingSet Merge(DesiredSettingSet other) =>
            new DesiredSettingSet(Settings.Concat(other.Settings), Warnings.Concat(other.Warnings));

        public static readonly DesiredSettingSet Empty = new DesiredSettingSet(Array.Empty<DesiredSetting>());
    }

    /// <summary>Where desired settings come from: a baseline's rules, an explicit map, or failed findings.</summary>
    public static class HardeningSettings
    {
        /// <summary>
        /// The config values <paramref name="baseline"/> expects, from the rule catalog (the same expectations
        /// Get-NpmSecurityPosture judges by): equals → that value, at least N → N, one of → the first listed. The
        /// install-script policy of Recommended becomes strict-allow-scripts=true where the npm has it (ignore-scripts=true
        /// also satisfies it), nothing on npm ≥ 12 (it blocks unapproved scripts by default), ignore-scripts=true before.
        /// </summary>
        public static DesiredSettingSet FromBaseline(NpmBaseline baseline, NpmVersion npmVersion, RuleCatalog? catalog = null)
        {
            catalog ??= RuleCatalog.Default;
            var settings = new List<DesiredSetting>();
            foreach (var rule in catalog.Rules)
            {
                if (!rule.AppliesTo(baseline) || rule.Setting == null) continue;
                var expectation = rule.ExpectationFor(baseline);
                if (expectation == null) continue; // rules judged in code (registries, exclusions, credentials)
                var reason = $"{rule.Id} {rule.Title} ({baseline} expects {expectation.Describe()})";
                if (expectation.Kind != RuleExpectationKind.Policy)
                {
                    settings.Add(new DesiredSetting(rule.Setting, expectation.RemediationValue, reason, expectation, rule.Id));
                    continue;
                }
                if (expectation.PolicyName == "scripts-controlled")
                {
                    if (npmVersion.Major >= 12) continue;
                    if (NpmConfigCatalog.Default.IsKnown("strict-allow-scripts", npmVersion))
                        settings.Add(new DesiredSetting("strict-allow-scripts", true, reason, RuleExpectation.Equal(true), rule.Id) { AlsoSatisfiedByTrue = "ignore-scripts" });
                    else
                        settings.Add(new DesiredSetting("ignore-scripts", true, reason, RuleExpectation.Equal(true), rule.Id));
                }
            }
            return new DesiredSettingSet(settings);
        }

        /// <summary>Explicit key → value pairs (Set-NpmHardening -Setting); compliant means exactly that value.</summary>
        public static DesiredSettingSet FromMap(IEnumerable<KeyValuePair<string, object?>> settings, string reason = "requested setting")
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            return new DesiredSettingSet(settings.Select(kv => new DesiredSetting(kv.Key, kv.Value, reason)));
        }

        /// <summary>
        /// The settings that fix the failed findings a config write can fix (rules with a per-baseline value, and the
        /// install-script rule's chosen key); the rest become <see cref="PlanWarningKind.NotFixableByConfig"/> warnings
        /// that carry the finding's remediation text. Passing, not-applicable and errored findings are ignored.
        /// </summary>
        public static DesiredSettingSet FromFindings(IEnumerable<NpmSecurityFinding> findings, RuleCatalog? catalog = null)
        {
            catalog ??= RuleCatalog.Default;
            var settings = new List<DesiredSetting>();
            var warnings = new List<PlanWarning>();
            foreach (var f in findings)
            {
                if (f == null || f.Status != NpmFindingStatus.Fail) continue;
                var rule = catalog.Find(f.RuleId);
                NpmBaseline baseline = NpmBaseline.Recommended;
                bool hasBaseline = f.Baseline != null && Enum.TryParse(f.Baseline, false, out baseline);
                var expectation = rule != null && hasBaseline ? rule.ExpectationFor(baseline) : null;
                var reason = $"{f.RuleId} {f.Title}";
                if (rule?.Setting != null && expectation != null && expectation.Kind != RuleExpectationKind.Policy && f.Setting == rule.Setting)
                {
                    settings.Add(new DesiredSetting(rule.Setting, expectation.RemediationValue, reason, expectation, rule.Id));
                    continue;
                }
                if (rule != null && rule.Id == "NPMH3001" && f.Setting != null)
                {
                    // the auditor names the key that fixes it for this npm: ignore-scripts, strict-allow-scripts or dangerously-allow-all-scripts
                    bool value = f.Setting != "dangerously-allow-all-scripts";
                    if (f.Setting == "ignore-scripts" || f.Setting == "strict-allow-scripts" || f.Setting == "dangerously-allow-all-scripts")
                    {
                        settings.Add(new DesiredSetting(f.Setting, value, reason, RuleExpectation.Equal(value), rule.Id)
                            { AlsoSatisfiedByTrue = f.Setting == "strict-allow-scripts" ? "ignore-scripts" : null });
                        continue;
                    }
                }
                var remediation = string.IsNullOrEmpty(f.Remediation) ? "see the rule's reference" : f.Remediation;
                warnings.Add(new PlanWarning(PlanWarningKind.NotFixableByConfig, f.Setting,
                    $"{f.RuleId} ({f.Title}) is not fixed by writing a config value; remediation: {remediation}"));
            }
            return new DesiredSettingSet(settings, warnings);
        }
    }
}
