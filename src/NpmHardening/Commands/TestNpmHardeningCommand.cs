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

        [Parameter]
        public SwitchParameter Detailed { get; set; }

        private readonly NpmComplianceResult _result = new NpmComplianceResult();

        protected override void Configure(PostureScanner scanner)
        {
            scanner.Baseline = Baseline;
            scanner.AllowedRegistries = AllowedRegistry ?? PostureRequest.DefaultAllowedRegistries;
        }

        /// <summary>With a baseline the context is audited as Get-NpmSecurityPosture audits it, from the same resolution the plan uses.</summary>
        protected override NpmConfigResolution Resolve(PostureScanner scanner, PostureContext context)
        {
            _result.AddContext(context.Label);
            if (!UsesBaseline) return scanner.Resolve(context);
            var audit = scanner.Audit(context);
            _result.AddFindings(audit.Findings);
            return audit.Resolution;
        }

        protected override void Handle(PostureContext context, HardeningPlan plan)
        {
            WritePlanWarnings(plan, true);
            _result.AddPlan(context.Label, plan, requested: !UsesBaseline);
        }

        protected override void TargetNotFound(string target, string reason) => _result.AddNotEvaluated(target, reason);

        protected override void ContextFailed(PostureContext context, string reason) => _result.AddNotEvaluated(context.Label, reason);

        protected override void NothingEvaluated(string reason) => _result.AddNothingEvaluated(reason);

        protected override void Finish()
        {
            if (RefusedInputs > 0)
                _result.AddRefusedInput($"{RefusedInputs} piped object(s) were neither findings nor folders and were refused.");
            _result.Baseline = UsesBaseline ? Baseline.ToString() : null;
            foreach (var reason in _result.Reasons) WriteVerbose("Not compliant: " + reason);
            if (_result.Compliant) WriteVerbose(_result.Message);
            if (Detailed) WriteObject(_result);
            else WriteObject(_result.Compliant);
        }
    }
}
