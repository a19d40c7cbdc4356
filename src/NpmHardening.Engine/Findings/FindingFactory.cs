using System;
using System.Globalization;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Findings
{
    /// <summary>
    /// The one place a finding takes what the catalog decides: rule id, title, area, default severity and reference,
    /// plus the machine it was found on. Analyzers set status, message, location and remediation, and change the
    /// severity only through <see cref="Escalate"/>, which records why.
    /// </summary>
    internal static class FindingFactory
    {
        /// <summary>Fills the catalog's part of <paramref name="finding"/> for <paramref name="rule"/>.</summary>
        public static T Stamp<T>(T finding, NpmSecurityRule rule, string? computerName) where T : NpmFinding
        {
            finding.RuleId = rule.Id;
            finding.Title = rule.Title;
            finding.Area = rule.Area;
            finding.Severity = rule.Severity;
            finding.SeverityReason = null;
            finding.Reference = rule.Reference;
            finding.ComputerName = computerName ?? "";
            return finding;
        }

        /// <summary>As <see cref="Stamp{T}(T, NpmSecurityRule, string)"/>, the rule looked up in the default catalog.</summary>
        public static T Stamp<T>(T finding, string ruleId, IPlatform? platform) where T : NpmFinding =>
            Stamp(finding, RuleCatalog.Default[ruleId], MachineOf(platform));

        /// <summary>The machine name the platform reports; empty when it cannot say.</summary>
        public static string MachineOf(IPlatform? platform)
        {
            try { return platform?.MachineName ?? ""; }
            catch (InvalidOperationException) { return ""; }
        }

        /// <summary>
        /// Fills what the catalog knows about a finding's fix and the analyzer did not say: the rule's web steps (account and
        /// token settings live on the registry's website), and a remediation with the rule's text when a failed finding
        /// carries none. Idempotent; a passing finding is left without a remediation.
        /// </summary>
        public static T CompleteRemediation<T>(T finding) where T : NpmFinding
        {
            if (finding.Status == NpmFindingStatus.Pass || finding.Status == NpmFindingStatus.NotApplicable) return finding;
            var rule = RuleCatalog.Default.Find(finding.RuleId);
            if (rule == null || rule.WebSteps.Count == 0) return finding;
            var remediation = finding.Remediation ??= new NpmRemediation { Summary = rule.Remediation };
            if (remediation.WebSteps.Length == 0) remediation.WebSteps = rule.WebSteps.ToArray();
            return finding;
        }

        /// <summary>Sets a severity other than the rule's default, with the reason a reader sees; the default clears the reason.</summary>
        public static void Escalate(NpmFinding finding, NpmSeverity severity, string? reason)
        {
            var rule = RuleCatalog.Default.Find(finding.RuleId);
            finding.Severity = severity;
            finding.SeverityReason = rule != null && rule.Severity == severity ? null : reason;
        }

        /// <summary>
        /// The identity of a finding's fact, without its context: the rule, where the fact sits (file and line, URI or
        /// name) and what on that line or place it is about (a key, a fingerprint). A finding with no place is a fact
        /// about its context, so the context takes the place's part.
        /// </summary>
        public static string FactId(NpmFinding finding, params string?[] about)
        {
            var sb = new StringBuilder(finding.RuleId);
            var at = finding.Location;
            if (at != null && (at.Path != null || at.Uri != null || (at.Name != null && at.Name != "default")))
                sb.Append('|').Append(at.ToString());
            else
                sb.Append("|context:").Append(finding.Context ?? "");
            if (at?.Path != null && at.Name != null) sb.Append('|').Append(at.Name);
            foreach (var part in about)
                if (!string.IsNullOrEmpty(part)) sb.Append('|').Append(part);
            return sb.ToString();
        }

        /// <summary>A location as one short text: "path:line", the variable's name (without "env:"), the URI or the name.</summary>
        public static string? SourceText(NpmFindingLocation? at)
        {
            if (at == null) return null;
            if (at.Path != null) return at.Line is int line ? at.Path + ":" + Number(line) : at.Path;
            if (at.Name != null && at.Name.StartsWith("env:", StringComparison.Ordinal)) return at.Name.Substring(4);
            return at.Uri ?? at.Name;
        }

        /// <summary>
        /// Where a persistent variable is defined: the start-up file and line that sets it (the variable as the name),
        /// or the store and the variable (<c>HKCU\Environment\NPM_TOKEN</c>).
        /// </summary>
        public static NpmFindingLocation VariableLocation(PersistentVariable pv) => pv.Line is int line
            ? new NpmFindingLocation { Path = pv.Location, Line = line, Name = pv.Name }
            : new NpmFindingLocation { Name = pv.Location + "\\" + pv.Name };

        /// <summary>A file position as a location: 1-based line when known.</summary>
        public static NpmFindingLocation File(string path, int? line = null, int? column = null) =>
            new NpmFindingLocation { Path = path, Line = line, Column = column };

        /// <summary>A named place: <c>env:NAME</c>, <c>command line</c>, <c>default</c>.</summary>
        public static NpmFindingLocation Named(string name) => new NpmFindingLocation { Name = name };

        public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
