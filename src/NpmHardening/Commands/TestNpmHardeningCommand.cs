using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Is this compliant? With a baseline: $true only when Get-NpmSecurityPosture -Summary for the same contexts and
    /// baseline is compliant (the same findings, judged by <see cref="NpmComplianceResult"/>) and Set-NpmHardening with the
    /// same parameters would change nothing. With -Setting or piped findings: when npm uses exactly those values (no
    /// higher layer or variable overrides them) and the -Scope file already holds them. A target that cannot be
    /// evaluated, refused input and nothing evaluated are never compliant. The verbose stream gives every reason;
    /// -Detailed returns them as an object. Plans and audits only: no file, lock or backup is written.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "NpmHardening", DefaultParameterSetName = BaselineSet)]
    [OutputType(typeof(bool))]
    [OutputType(typeof(NpmComplianceResult))]
    public sealed class TestNpmHardeningCommand : NpmHardeningPlanCmdlet
    {
        /// <summary>Registries the posture rule NPMH2003 allows (as Get-NpmSecurityPosture -AllowedRegistry).</summary>
        [Parameter(ParameterSetName = BaselineSet)]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedRegistry { get; set; }

        /// <summary>A policy file (as Get-NpmSecurityPosture -Policy): its baseline, registries and unexpired exceptions count.</summary>
        [Parameter(ParameterSetName = BaselineSet)]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        public SwitchParameter Detailed { get; set; }

        private readonly NpmComplianceResult _result = new NpmComplianceResult();
        private NpmAuditSelection? _selection;
        /// <summary>Per context, the findings a policy exception covers: the plan does not demand their settings.</summary>
        private readonly System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<NpmSecurityFinding>> _accepted =
            new System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<NpmSecurityFinding>>(System.StringComparer.Ordinal);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Policy == null) return;
            _selection = NpmAuditSelection.Load(this, Policy, null, null);
            if (_selection.Filter.Policy?.Baseline is NpmBaseline b && !MyInvocation.BoundParameters.ContainsKey(nameof(Baseline))) Baseline = b;
        }

        protected override void Configure(PostureScanner scanner)
        {
            scanner.Baseline = Baseline;
            // the command line wins: -AllowedRegistry replaces the policy's default list; its per-scope lists still apply
            scanner.AllowedRegistries = AllowedRegistry ?? _selection?.Filter.Policy?.AllowedRegistries ?? PostureRequest.DefaultAllowedRegistries;
            scanner.ScopedRegistries = _selection?.Filter.Policy?.ScopedRegistries;
        }

        /// <summary>With a baseline the context is audited as Get-NpmSecurityPosture audits it, from the same resolution the plan uses.</summary>
        protected override NpmConfigResolution Resolve(PostureScanner scanner, PostureContext context)
        {
            _result.AddContext(context.Label);
            if (!UsesBaseline) return scanner.Resolve(context);
            var audit = scanner.Audit(context);
            // without -ExcludeRule and -Severity every finding is admitted: only the policy's exceptions act here
            if (_selection != null)
                foreach (var f in audit.Findings) _selection.Apply(f, f.Location?.ToString());
            _result.AddFindings(audit.Findings);
            _accepted[context.Label] = audit.Findings.Where(f => f.Status == NpmFindingStatus.Suppressed).ToList();
            return audit.Resolution;
        }

        protected override void Handle(PostureContext context, HardeningPlan plan)
        {
            WritePlanWarnings(plan, true);
            _result.AddPlan(context.Label, plan, requested: !UsesBaseline, _accepted.TryGetValue(context.Label, out var accepted) ? accepted : null);
        }

        protected override void TargetNotFound(string target, string reason) => _result.AddNotEvaluated(target, reason);

        protected override void ContextFailed(PostureContext context, string reason) => _result.AddNotEvaluated(context.Label, reason);

        protected override void NothingEvaluated(string reason) => _result.AddNothingEvaluated(reason);

        protected override void Finish()
        {
            if (RefusedInputs > 0)
                _result.AddRefusedInput($"{RefusedInputs} piped object(s) were neither findings nor folders and were refused.");
            _result.Baseline = UsesBaseline ? Baseline.ToString() : null;
            _selection?.ReportUnusedExceptions();
            foreach (var reason in _result.Reasons) WriteVerbose("Not compliant: " + reason);
            if (_result.Compliant) WriteVerbose(_result.Message);
            if (Detailed) WriteObject(_result);
            else WriteObject(_result.Compliant);
        }
    }
}
