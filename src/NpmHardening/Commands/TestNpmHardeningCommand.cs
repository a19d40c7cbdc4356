using System.Management.Automation;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// $true when Set-NpmHardening with the same parameters would change nothing; the verbose stream says why not.
    /// A target that was given but cannot be evaluated, and input that was refused, make the answer $false.
    /// Plans only: no file, lock or backup is written.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "NpmHardening", DefaultParameterSetName = BaselineSet)]
    [OutputType(typeof(bool))]
    public sealed class TestNpmHardeningCommand : NpmHardeningPlanCmdlet
    {
        private bool _compliant = true;

        protected override void Handle(PostureContext context, HardeningPlan plan)
        {
            WritePlanWarnings(plan, true);
            foreach (var w in plan.Warnings)
                if (!UsesBaseline && (w.Kind == PlanWarningKind.NeedsNpmUpgrade || w.Kind == PlanWarningKind.UnknownKey || w.Kind == PlanWarningKind.InvalidValue || w.Kind == PlanWarningKind.ValueNotRepresentable))
                    NotCompliant(w.Message);
            if (plan.Problem != null)
            {
                _compliant = false;
                WriteVerbose($"Not compliant: {plan.Path} cannot be written: {plan.Problem.Message}");
                return;
            }
            if (plan.HasChanges)
            {
                _compliant = false;
                WriteVerbose("Not compliant: " + plan.Describe());
            }
            else WriteVerbose($"{plan.Path}: compliant, nothing to change.");
        }

        protected override void TargetNotFound(string target, string reason) => NotCompliant($"{target} was not evaluated: {reason}");

        protected override void ContextFailed(PostureContext context, string reason) => NotCompliant($"{context.Label} was not evaluated: {reason}");

        protected override void NothingEvaluated(string reason) => NotCompliant(reason);

        private void NotCompliant(string reason)
        {
            _compliant = false;
            WriteVerbose("Not compliant: " + reason);
        }

        protected override void Finish() => WriteObject(_compliant && RefusedInputs == 0);
    }
}
