using System;

namespace NpmHardening
{
    /// <summary>
    /// One rule of the catalog as users see it (Get-NpmRule, about_NpmHardening_Rules): plain settable properties, so
    /// the object exports, serializes and survives jobs like a finding does. The catalog's own definition
    /// (<see cref="Engine.Rules.NpmSecurityRule"/>, with its expectation objects and remediation templates) stays the
    /// engine's; this is its published face, built from it by <see cref="Engine.Rules.RuleCatalog.Describe"/>.
    /// </summary>
    public sealed class NpmRule
    {
        /// <summary>The stable id a finding's <see cref="NpmFinding.RuleId"/> carries (NPMH1001…).</summary>
        public string RuleId { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>The catalog area, from the id's digits before the last three (NPMH1001: 1, NPMH10001: 10): Toolchain, Credentials, …</summary>
        public string Area { get; set; } = "";
        /// <summary>The severity a failing finding of this rule has unless the finding says why it differs (<see cref="NpmFinding.SeverityReason"/>).</summary>
        public NpmSeverity Severity { get; set; }
        /// <summary>The baselines that enforce the rule; under the others it reports NotApplicable.</summary>
        public NpmBaseline[] Baselines { get; set; } = Array.Empty<NpmBaseline>();
        /// <summary>Why the rule exists: the attack or mistake it stops.</summary>
        public string Rationale { get; set; } = "";
        /// <summary>The fix in general form (placeholders in angle brackets); a finding carries the fix for its own fact.</summary>
        public string Remediation { get; set; } = "";
        /// <summary>A documentation URL.</summary>
        public string Reference { get; set; } = "";
        /// <summary>The npm config key the rule judges, when it judges one.</summary>
        public string? Setting { get; set; }
        /// <summary>What the rule expects, per baseline where the baselines differ.</summary>
        public string? Expected { get; set; }
        /// <summary>The first npm version that can satisfy the rule (its setting or capability); null when every supported npm can.</summary>
        public string? MinimumNpmVersion { get; set; }
        /// <summary>True when the rule is judged from a registry's answers (-Online, Get-NpmAccount…), never by an offline audit.</summary>
        public bool Online { get; set; }
        /// <summary>The cmdlet whose -Audit judges the rule when the posture audit does not (Get-NpmPublishPipeline for NPMH10xxx); null otherwise.</summary>
        public string? Audit { get; set; }
        /// <summary>The fix on the registry's website, step by step, when it is there (account two-factor settings, tokens).</summary>
        public string[] WebSteps { get; set; } = Array.Empty<string>();

        public override string ToString() => $"{RuleId} {Title}";
    }
}
