using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm stage approve: publishes a staged version (POST /-/stage/{id}/approve with the second factor). Reads the item
    /// first, runs the staged-tarball review when one is available and refuses on a blocking verdict unless -Force, then
    /// asks ShouldProcess (ConfirmImpact High).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Approve, "NpmStagedPackage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmStagedPackage))]
    public sealed class ApproveNpmStagedPackageCommand : NpmStageWriteCmdlet
    {
        /// <summary>Approve even when the review of the staged tarball blocks it (the reasons are still written as warnings).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private bool _warnedNoReview;

        protected override void Ask(string registry, RegistryCredential credential)
        {
            var staged = Staged(registry, credential);
            if (staged == null) return;
            if (!Reviewed(registry, credential, staged)) return;
            if (!ShouldProcess($"{staged} at {RegistryEndpoint.Safe(registry)}", "Approve: publish the staged version (it becomes installable)")) return;
            if (Change(registry, credential, otp => new NpmStageClient(Transport).Approve(registry, credential, staged.StageId, otp, PipelineStopping, legacyAuth: otp != null && otp == Otp)))
            {
                WriteVerbose($"{staged}: approved and published.");
                if (PassThru) WriteObject(staged);
            }
        }

        /// <summary>The seam for Compare-NpmStagedPackage: false (after an error) when its verdict blocks and -Force is absent.</summary>
        private bool Reviewed(string registry, RegistryCredential credential, NpmStagedPackage staged)
        {
            var reviewer = StagedPackageReview.Reviewer;
            if (reviewer == null)
            {
                if (!_warnedNoReview)
                    WriteWarning("No review of the staged tarball ran (Compare-NpmStagedPackage is not available in this build): look at it yourself (Save-NpmStagedPackage) before you approve.");
                _warnedNoReview = true;
                return true;
            }
            StagedPackageVerdict verdict;
            try { verdict = reviewer.Review(registry, credential, staged, PipelineStopping); }
            catch (RegistryException e)
            {
                WriteError(new ErrorRecord(e, "StagedPackageReviewFailed", ErrorCategory.InvalidResult, staged.StageId));
                return false;
            }
            if (!verdict.BlocksApproval) return true;
            var reasons = string.Join("; ", verdict.Reasons);
            if (Force)
            {
                WriteWarning($"{staged}: the review found high risk ({reasons}); approving anyway because of -Force.");
                return true;
            }
            WriteError(new ErrorRecord(new InvalidOperationException($"{staged}: not approved: the review of the staged tarball found high risk: {reasons}. Review it (Compare-NpmStagedPackage -StageId {staged.StageId}); add -Force to approve anyway."),
                "StagedPackageReviewBlocked", ErrorCategory.SecurityError, staged.StageId));
            return false;
        }
    }
}
