using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
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

        /// <summary>
        /// Why <paramref name="key"/> = <paramref name="value"/> can never be a setting Set-NpmHardening writes, whatever npm
        /// is installed, or null when it can: the key must be defined by some npm version of the catalog (or be a
        /// registry-scoped key such as <c>//host/:_authToken</c> or <c>@scope:registry</c>), and the value must be valid
        /// for the key's type and readable back from an .npmrc line in at least one version that defines it. What depends
        /// on the npm actually installed (a key it does not have yet, a type it changed) is judged by the planner.
        /// </summary>
        public static string? Check(string key, object? value)
        {
            if (string.IsNullOrWhiteSpace(key)) return "A setting has an empty name.";
            var catalog = NpmConfigCatalog.Default;
            var newest = catalog.Versions[catalog.Versions.Count - 1];
            var checkedDefinitions = new List<NpmConfigDefinition>();
            string? problem = null;
            for (int i = catalog.Versions.Count - 1; i >= 0; i--)
            {
                var version = catalog.Versions[i];
                var def = catalog.Find(key, version);
                if (def == null || checkedDefinitions.Contains(def)) continue;
                checkedDefinitions.Add(def);
                var why = Unwritable(key, value, def, version);
                if (why == null) return null;
                problem ??= why;
            }
            if (checkedDefinitions.Count > 0) return problem;
            if (IsRegistryScopedKey(key, null)) return Unwritable(key, value, null, newest);
            var similar = SimilarKey(key, catalog.AllKeys);
            return $"'{key}' is not an npm config key: no npm version from {catalog.Versions[0]} to {newest} defines it." +
                   (similar != null ? $" Did you mean '{similar}'?" : "");
        }

        /// <summary>Why <paramref name="value"/> cannot be written for <paramref name="def"/> as npm <paramref name="version"/> reads it; null when it can.</summary>
        private static string? Unwritable(string key, object? value, NpmConfigDefinition? def, NpmVersion version)
        {
            var field = NpmrcValueWriter.CreateContext(version, NodePath.Posix, "/", "/");
            var intent = NpmSettingValue.Normalize(key, value, field);
            var invalid = NpmSettingValue.Validate(def, intent);
            if (invalid != null) return invalid;
            return NpmrcValueWriter.TryFormatLines(key, intent, field, out _, out var error) ? null : error;
        }

        /// <summary>Keys npm accepts without a definition of their own: //registry/:_authToken and @scope:registry style (for <paramref name="version"/>, or any version when null).</summary>
        internal static bool IsRegistryScopedKey(string key, NpmVersion? version)
        {
            int colon = key.LastIndexOf(':');
            if (colon < 0) return false;
            var catalog = NpmConfigCatalog.Default;
            var baseKey = key.Substring(colon + 1);
            if (catalog.NerfDarts.Contains(baseKey)) return true;
            return version is NpmVersion v ? catalog.IsKnown(baseKey, v) : catalog.IntroducedIn(baseKey) != null;
        }

        /// <summary>The known key closest to a misspelled one (at most two edits, or a quarter of its length), or null.</summary>
        private static string? SimilarKey(string key, IEnumerable<string> known)
        {
            string? best = null;
            int bestDistance = Math.Max(2, key.Length / 4) + 1;
            foreach (var candidate in known)
            {
                if (Math.Abs(candidate.Length - key.Length) >= bestDistance) continue;
                int d = EditDistance(key.ToLowerInvariant(), candidate);
                if (d < bestDistance) { bestDistance = d; best = candidate; }
            }
            return best;
        }

        private static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                var swap = previous; previous = current; current = swap;
            }
            return previous[b.Length];
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
                var remediation = f.Remediation?.PowerShell ?? f.Remediation?.NpmCommand ?? f.Remediation?.Summary ?? "see the rule's reference";
                warnings.Add(new PlanWarning(PlanWarningKind.NotFixableByConfig, f.Setting,
                    $"{f.RuleId} ({f.Title}) is not fixed by writing a config value; remediation: {remediation}"));
            }
            return new DesiredSettingSet(settings, warnings);
        }
    }
}
