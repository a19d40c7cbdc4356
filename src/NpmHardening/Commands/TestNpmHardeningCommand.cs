using System.Management.Automation;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Commands
{
    /// <summary>
    /// $true when Set-NpmHardening with the same parameters would change nothing; the verbose stream says why not.
    /// Plans only: no file, lock or backup is written.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "NpmHardening", DefaultParameterSetName = BaselineSet)]
    [OutputType(typeof(bool))]
    public sealed class TestNpmHardeningCommand : NpmHardeningPlanCmdlet
    {
        private bool _compliant = true;
        private int _plans;

        protected override void Handle(HardeningPlan plan)
        {
            _plans++;
            WritePlanWarnings(plan, true);
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

        protected override void Finish() => WriteObject(_compliant);
    }
}
