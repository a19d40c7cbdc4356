using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;

namespace NpmHardening
{
    /// <summary>
    /// The one definition of "compliant" that Test-NpmHardening, the DSC resources, the Intune detection script and
    /// Get-NpmSecurityPosture -Summary share: evidence is added context by context, and the answer is Compliant only
    /// when at least one context was evaluated and nothing gives a reason not to be. Reasons:
    /// <list type="bullet">
    /// <item>a posture finding with status Fail or Error at Medium severity or above (code: the rule id), judged on the
    /// value npm actually uses, so a higher layer or an <c>npm_config_*</c> variable that overrides the files counts; a
    /// finding Suppressed by a policy exception that still holds is accepted, one whose exception expired is not;</item>
    /// <item>a desired setting that a higher layer or the environment overrides (<c>Overridden</c>, with the layer and the
    /// variable or file:line), that the file to harden still lacks (<c>PendingChange</c>), that the installed npm cannot
    /// take (<c>NotApplied</c>), or a file that cannot be read or written (<c>NotWritable</c>);</item>
    /// <item>a failed finding no config value fixes (<c>NotFixableByConfig</c>);</item>
    /// <item>a target that was given but could not be evaluated (<c>NotEvaluated</c>), input that was refused
    /// (<c>InputRefused</c>), or nothing evaluated at all (<c>NothingEvaluated</c>).</item>
    /// </list>
    /// </summary>
    public sealed class NpmComplianceResult
    {
        private readonly List<string> _contexts = new List<string>();
        private readonly List<NpmComplianceReason> _reasons = new List<NpmComplianceReason>();

        public NpmComplianceResult(string? baseline = null) { Baseline = baseline; }

        /// <summary>True only when at least one context was evaluated and no reason was found.</summary>
        public bool Compliant => _contexts.Count > 0 && _reasons.Count == 0;
        /// <summary>The baseline judged (null for explicit settings).</summary>
        public string? Baseline { get; set; }
        /// <summary>The contexts (profiles, projects) evaluated.</summary>
        public string[] Contexts => _contexts.ToArray();
        /// <summary>Why not compliant, in the order found; never empty when <see cref="Compliant"/> is false.</summary>
        public NpmComplianceReason[] Reasons => _contexts.Count == 0 && _reasons.Count == 0
            ? new[] { new NpmComplianceReason { Code = "NothingEvaluated", Message = "No context was evaluated, so nothing can be called compliant." } }
            : _reasons.ToArray();
        /// <summary>One line under 2,048 characters (Intune's limit): the verdict and its reasons.</summary>
        public string Message => BuildMessage();

        /// <summary>A Fail or Error at Medium severity or above breaks compliance; Low and Info, and Warnings, do not.</summary>
        public static bool BreaksCompliance(NpmSecurityFinding finding) =>
            finding != null && BreaksCompliance(finding.Status, finding.Severity, finding.Suppression, DateTime.Today);

        /// <summary>The same judgement for any finding of the shared contract.</summary>
        public static bool BreaksCompliance(NpmFinding finding) =>
            finding != null && BreaksCompliance(finding.Status, finding.Severity, finding.Suppression, DateTime.Today);

        /// <summary>
        /// A Fail or Error at Medium severity or above breaks compliance; Low and Info, and Warnings, do not. A Suppressed
        /// finding is accepted only while its policy exception holds on <paramref name="today"/> (a justification, and an
        /// expiry not passed); otherwise it is judged by its original status — a finding marked Suppressed without a
        /// suppression (edited, or from an older run) as a Fail.
        /// </summary>
        public static bool BreaksCompliance(NpmFindingStatus status, NpmSeverity severity, NpmFindingSuppression? suppression, DateTime today)
        {
            if (status == NpmFindingStatus.Suppressed)
            {
                if (Engine.Policy.NpmFindingFilter.Holds(suppression, today)) return false;
                status = suppression?.OriginalStatus ?? NpmFindingStatus.Fail;
            }
            return (status == NpmFindingStatus.Fail || status == NpmFindingStatus.Error) && severity >= NpmSeverity.Medium;
        }

        /// <summary>A context that was evaluated (its evidence follows).</summary>
        public void AddContext(string label)
        {
            if (label == null) throw new ArgumentNullException(nameof(label));
            if (!_contexts.Contains(label, StringComparer.Ordinal)) _contexts.Add(label);
        }

        /// <summary>The posture findings of evaluated contexts.</summary>
        public void AddFindings(IEnumerable<NpmSecurityFinding> findings)
        {
            if (findings == null) throw new ArgumentNullException(nameof(findings));
            foreach (var f in findings)
            {
                if (!BreaksCompliance(f)) continue;
                Add(f.RuleId, f.Context, f.Message ?? f.Title, f.Setting, f.RuleId, f.Layer, FindingFactory.SourceText(f.Location));
            }
        }

        /// <summary>
        /// The plan that would bring <paramref name="context"/>'s file to the desired settings: every change it still has
        /// to make, every setting a higher layer overrides, and a file it cannot touch; with <paramref name="requested"/>
        /// (-Setting, piped findings) also every setting the installed npm cannot take. A baseline key this npm does not
        /// have is no reason: its posture rule is NotApplicable ("upgrade npm"). An override already given as a posture
        /// reason for the same setting and context is not repeated.
        /// </summary>
        public void AddPlan(string context, HardeningPlan plan, bool requested) => AddPlan(context, plan, requested, null);

        /// <summary>
        /// As <see cref="AddPlan(string, HardeningPlan, bool)"/>, except that a change or override of a setting whose rule a
        /// policy exception covers in this context (<paramref name="accepted"/>: the Suppressed findings) is no reason: the
        /// policy accepted that the setting stays as it is.
        /// </summary>
        public void AddPlan(string context, HardeningPlan plan, bool requested, IEnumerable<NpmSecurityFinding>? accepted)
        {
            var acceptedRules = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var acceptedSettings = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in accepted ?? Enumerable.Empty<NpmSecurityFinding>())
            {
                if (f.Status != NpmFindingStatus.Suppressed || BreaksCompliance(f)) continue;
                acceptedRules.Add(f.RuleId);
                if (f.Setting != null) acceptedSettings.Add(f.Setting);
            }
            if (context == null) throw new ArgumentNullException(nameof(context));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (plan.Problem != null) Add("NotWritable", context, $"{plan.Path} cannot be written: {plan.Problem.Message}");
            foreach (var w in plan.Warnings)
            {
                switch (w.Kind)
                {
                    case PlanWarningKind.Overridden:
                        if (w.Key != null && acceptedSettings.Contains(w.Key)) break;
                        if (w.Key != null && _reasons.Any(r => r.RuleId != null && r.Setting == w.Key && r.Context == context)) break;
                        Add("Overridden", context, w.Message, w.Key, null, w.Layer, w.Source);
                        break;
                    case PlanWarningKind.NeedsNpmUpgrade:
                    case PlanWarningKind.UnknownKey:
                    case PlanWarningKind.InvalidValue:
                    case PlanWarningKind.ValueNotRepresentable:
                        if (requested) Add("NotApplied", context, w.Message, w.Key);
                        break;
                    case PlanWarningKind.NotFixableByConfig:
                        Add("NotFixableByConfig", context, w.Message, w.Key);
                        break;
                }
            }
            if (plan.Problem != null) return;
            if (plan.ConvertsFromUtf16) Add("PendingChange", context, $"{plan.Path} is UTF-16, which npm cannot read: it has to be rewritten as UTF-8.", null, null, plan.Target.Layer.ToString(), plan.Path);
            foreach (var c in plan.Changes)
                if (!(c.RuleId != null && acceptedRules.Contains(c.RuleId)) && !acceptedSettings.Contains(c.Key))
                    Add("PendingChange", context,
                    $"{plan.Path}: {c.Key} {c.OldValue ?? "(unset)"} -> {c.NewValue}" + (c.Line.HasValue ? $" (line {c.Line})" : " (appended)"),
                    c.Key, c.RuleId, plan.Target.Layer.ToString(), plan.Path);
        }

        /// <summary>A target that was given (a profile, a folder, a context) but could not be evaluated.</summary>
        public void AddNotEvaluated(string target, string reason) => Add("NotEvaluated", target, reason);

        /// <summary>Input that was refused (an object that is neither a finding nor a folder…).</summary>
        public void AddRefusedInput(string reason) => Add("InputRefused", null, reason);

        /// <summary>Nothing was there to evaluate (an empty pipeline, no profile on the machine).</summary>
        public void AddNothingEvaluated(string reason) => Add("NothingEvaluated", null, reason);

        private void Add(string code, string? context, string message, string? setting = null, string? ruleId = null, string? layer = null, string? source = null) =>
            _reasons.Add(new NpmComplianceReason
            {
                Code = code, Context = context, Message = message, Setting = setting, RuleId = ruleId, Layer = layer, Source = source,
            });

        private string BuildMessage()
        {
            var sb = new StringBuilder(Compliant ? "COMPLIANT" : "NON-COMPLIANT");
            if (Baseline != null) sb.Append(" (").Append(Baseline).Append(')');
            sb.Append(": ");
            var contexts = _contexts.Count.ToString(CultureInfo.InvariantCulture) + (_contexts.Count == 1 ? " context" : " contexts");
            if (Compliant) return sb.Append(contexts).Append(" evaluated, nothing to change.").ToString();
            var reasons = Reasons;
            sb.Append(reasons.Length.ToString(CultureInfo.InvariantCulture)).Append(reasons.Length == 1 ? " reason in " : " reasons in ").Append(contexts).Append(" — ");
            var parts = reasons
                .GroupBy(r => (r.Code, r.Setting, r.Layer, r.Source, Target: r.Setting == null && r.Layer == null ? r.Context : null))
                .Select(g =>
                {
                    var key = g.Key;
                    var text = key.Code + (key.Setting != null ? " " + key.Setting : "") + (key.Target != null ? " " + key.Target : "");
                    if (key.Layer != null && key.Source != null && key.Layer != "Default") text += $" ({key.Layer}: {key.Source})";
                    if (key.Setting == null && key.Target == null && key.Layer == null) text += ": " + g.First().Message;
                    return text + (g.Count() > 1 ? " ×" + g.Count().ToString(CultureInfo.InvariantCulture) : "");
                })
                .ToList();
            return PostureSummary.OneLine(sb.ToString(), parts);
        }

        public override string ToString() => Message;
    }
}
