using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Rules;

namespace NpmHardening
{
    /// <summary>One object for a whole audit: counts, a score and a yes/no answer for detection scripts (Intune, DSC).</summary>
    public sealed class NpmSecurityPostureSummary
    {
        public string Baseline { get; set; } = "";
        /// <summary>True when at least one context was audited, no finding has status Fail or Error with severity Medium or higher, and no target given was left unaudited.</summary>
        public bool Compliant { get; set; }
        /// <summary>0–100, severity-weighted share of passed findings (docs/rules.md gives the formula).</summary>
        public int Score { get; set; }
        /// <summary>One line under 2,048 characters: the verdict and the failing rules.</summary>
        public string Message { get; set; } = "";
        /// <summary>The contexts (profiles, projects) audited; one text ("a; b") in a CSV cell.</summary>
        public NpmNameList Contexts { get; set; } = NpmNameList.Empty;
        /// <summary>
        /// Facts counted: a finding that several contexts inherit from one line of one file (equal
        /// <see cref="NpmFinding.FactId"/>) counts once here and in every count below, while each context still lists it.
        /// </summary>
        public int Total { get; set; }
        public int Pass { get; set; }
        public int Fail { get; set; }
        public int Warning { get; set; }
        public int NotApplicable { get; set; }
        public int Error { get; set; }
        /// <summary>Facts a policy exception covers: accepted for compliance while the exception holds, but they earn nothing in the score.</summary>
        public int Suppressed { get; set; }
        /// <summary>Failed or errored findings of each severity.</summary>
        public int Critical { get; set; }
        public int High { get; set; }
        public int Medium { get; set; }
        public int Low { get; set; }
        public int Info { get; set; }
        /// <summary>Distinct rule ids with a Fail or Error finding, in id order; one text ("NPMH2001; NPMH7001") in a CSV cell.</summary>
        public NpmNameList FailedRules { get; set; } = NpmNameList.Empty;
        /// <summary>Why the audit is not compliant (empty when it is): failed findings at Medium or above, and targets not evaluated.</summary>
        public NpmComplianceReason[] Reasons { get; set; } = Array.Empty<NpmComplianceReason>();

        public override string ToString() => Message;
    }
}

namespace NpmHardening.Engine.Rules
{
    /// <summary>Reduces findings to an <see cref="NpmSecurityPostureSummary"/>.</summary>
    public static class PostureSummary
    {
        /// <summary>Intune keeps detection output under 2,048 characters.</summary>
        public const int MaxMessageLength = 2047;

        /// <summary>How much a finding of this severity counts in the score.</summary>
        public static int Weight(NpmSeverity severity)
        {
            switch (severity)
            {
                case NpmSeverity.Critical: return 10;
                case NpmSeverity.High: return 5;
                case NpmSeverity.Medium: return 3;
                case NpmSeverity.Low: return 1;
                default: return 0;
            }
        }

        /// <summary>
        /// The findings (and the targets that could not be audited) as one summary. Compliant, Reasons and the verdict
        /// of Message come from <see cref="NpmComplianceResult"/>, the definition Test-NpmHardening, DSC and Intune share.
        /// </summary>
        public static NpmSecurityPostureSummary Summarize(IEnumerable<NpmSecurityFinding> findings, NpmBaseline baseline, IEnumerable<string>? contexts = null,
            IEnumerable<KeyValuePair<string, string>>? notEvaluated = null)
        {
            var all = findings.ToList();
            var ctx = (contexts ?? all.Select(f => f.Context).Where(c => !string.IsNullOrEmpty(c)).Select(c => c!))
                .Distinct(StringComparer.Ordinal).ToArray();
            var compliance = new NpmComplianceResult(baseline.ToString());
            foreach (var c in ctx) compliance.AddContext(c);
            compliance.AddFindings(all);
            // counts, score and message are about facts: the first finding of each FactId stands for the others
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var list = all.Where(f => string.IsNullOrEmpty(f.FactId) || seen.Add(f.FactId)).ToList();
            foreach (var missing in notEvaluated ?? Enumerable.Empty<KeyValuePair<string, string>>()) compliance.AddNotEvaluated(missing.Key, missing.Value);
            bool Bad(NpmSecurityFinding f) => f.Status == NpmFindingStatus.Fail || f.Status == NpmFindingStatus.Error;
            int CountBad(NpmSeverity s) => list.Count(f => Bad(f) && f.Severity == s);

            double possible = 0, earned = 0;
            foreach (var f in list)
            {
                if (f.Status == NpmFindingStatus.NotApplicable) continue; // Suppressed counts as possible and earns nothing
                int w = Weight(f.Severity);
                possible += w;
                if (f.Status == NpmFindingStatus.Pass) earned += w;
                else if (f.Status == NpmFindingStatus.Warning) earned += w / 2.0;
            }
            var summary = new NpmSecurityPostureSummary
            {
                Baseline = baseline.ToString(),
                Contexts = new NpmNameList(ctx),
                Total = list.Count,
                Pass = list.Count(f => f.Status == NpmFindingStatus.Pass),
                Fail = list.Count(f => f.Status == NpmFindingStatus.Fail),
                Warning = list.Count(f => f.Status == NpmFindingStatus.Warning),
                NotApplicable = list.Count(f => f.Status == NpmFindingStatus.NotApplicable),
                Error = list.Count(f => f.Status == NpmFindingStatus.Error),
                Suppressed = list.Count(f => f.Status == NpmFindingStatus.Suppressed),
                Critical = CountBad(NpmSeverity.Critical),
                High = CountBad(NpmSeverity.High),
                Medium = CountBad(NpmSeverity.Medium),
                Low = CountBad(NpmSeverity.Low),
                Info = CountBad(NpmSeverity.Info),
                Score = possible == 0 ? 100 : (int)Math.Floor(100 * earned / possible + 1e-9),
                Compliant = compliance.Compliant,
                Reasons = compliance.Reasons,
                FailedRules = new NpmNameList(list.Where(Bad).Select(f => f.RuleId).Distinct(StringComparer.Ordinal).OrderBy(id => id, StringComparer.Ordinal).ToArray()),
            };
            summary.Message = BuildMessage(summary, list, compliance.Reasons.Where(r => r.Code == "NotEvaluated" || r.Code == "NothingEvaluated").ToList());
            return summary;
        }

        private static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

        private static string BuildMessage(NpmSecurityPostureSummary s, List<NpmSecurityFinding> findings, List<NpmComplianceReason> notEvaluated)
        {
            var sb = new StringBuilder();
            sb.Append(s.Compliant ? "COMPLIANT" : "NON-COMPLIANT")
              .Append(" (").Append(s.Baseline).Append(", score ").Append(s.Score.ToString(CultureInfo.InvariantCulture)).Append("/100): ")
              .Append(s.Fail.ToString(CultureInfo.InvariantCulture)).Append(" failed");
            var bySeverity = new[] { ("Critical", s.Critical), ("High", s.High), ("Medium", s.Medium), ("Low", s.Low), ("Info", s.Info) }
                .Where(x => x.Item2 > 0).Select(x => $"{x.Item1} {x.Item2.ToString(CultureInfo.InvariantCulture)}").ToList();
            if (bySeverity.Count > 0) sb.Append(" [").Append(string.Join(", ", bySeverity)).Append(']');
            sb.Append(", ").Append(Count(s.Warning, "warning")).Append(", ").Append(Count(s.Error, "error")).Append(", ")
              .Append(s.Suppressed > 0 ? s.Suppressed.ToString(CultureInfo.InvariantCulture) + " suppressed by policy, " : "")
              .Append(s.Pass.ToString(CultureInfo.InvariantCulture)).Append(" passed in ")
              .Append(s.Contexts.Count.ToString(CultureInfo.InvariantCulture)).Append(s.Contexts.Count == 1 ? " context" : " contexts");

            // what was not evaluated first, then the failing facts, worst first: one entry per rule and setting, "×N"
            // when N distinct facts (lines, files, variables) share both, so a count never borrows another fact's name
            var failing = notEvaluated.Select(r => r.Context != null ? "not evaluated: " + r.Context : r.Message)
                .Concat(findings
                    .Where(f => f.Status == NpmFindingStatus.Fail || f.Status == NpmFindingStatus.Error)
                    .GroupBy(f => (f.RuleId, Setting: f.Setting is string set && set.Length > 0 && set.Length <= 60 ? set : null))
                    .OrderByDescending(g => g.Max(f => f.Severity)).ThenBy(g => g.Key.RuleId, StringComparer.Ordinal).ThenBy(g => g.Key.Setting, StringComparer.Ordinal)
                    .Select(g => g.Key.RuleId + (g.Key.Setting != null ? " " + g.Key.Setting : "") + (g.Count() > 1 ? " ×" + g.Count().ToString(CultureInfo.InvariantCulture) : "")))
                .ToList();
            if (failing.Count > 0) sb.Append(" — ");
            return OneLine(sb.ToString(), failing);
        }

        /// <summary>
        /// <paramref name="head"/> and the <paramref name="parts"/> joined by "; " on one line under
        /// <see cref="MaxMessageLength"/> characters, ending "; …and N more" when they do not all fit.
        /// </summary>
        internal static string OneLine(string head, IReadOnlyList<string> parts)
        {
            var sb = new StringBuilder(head);
            for (int i = 0; i < parts.Count; i++)
            {
                var part = (i > 0 ? "; " : "") + parts[i];
                var reserve = parts.Count - i - 1 > 0 ? 16 : 0; // room for "; …and N more"
                if (sb.Length + part.Length + reserve > MaxMessageLength)
                {
                    sb.Append("; …and ").Append((parts.Count - i).ToString(CultureInfo.InvariantCulture)).Append(" more");
                    break;
                }
                sb.Append(part);
            }
            var text = sb.ToString().Replace('\r', ' ').Replace('\n', ' ');
            return text.Length <= MaxMessageLength ? text : text.Substring(0, MaxMessageLength - 1) + "…";
        }
    }
}
