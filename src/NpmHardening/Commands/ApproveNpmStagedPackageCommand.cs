using System;
using System.Management.Automation;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

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
        /// <summary>Approve even when the review of the staged tarball finds High risk or cannot run (the reasons are still written as warnings).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            var staged = Staged(registry, credential);
            if (staged == null) return;
            if (!Reviewed(registry, credential, staged)) return;
            if (!ShouldProcess($"{staged} at {RegistryEndpoint.Safe(registry)}", "Approve: publish the staged version (it becomes installable)")) return;
            if (Change(registry, credential, (otp, fromOtpParameter) => new NpmStageClient(Transport).Approve(registry, credential, staged.StageId, otp, PipelineStopping, legacyAuth: fromOtpParameter)))
            {
                WriteVerbose($"{staged}: approved and published.");
                if (PassThru) WriteObject(staged);
            }
        }

        /// <summary>
        /// Compare-NpmStagedPackage's review of the staged tarball against what its tag points to now: false (after an
        /// error) when it finds High or Critical risk, or cannot run, and -Force is absent.
        /// </summary>
        private bool Reviewed(string registry, RegistryCredential credential, NpmStagedPackage staged)
        {
            NpmPackageReview verdict;
            try
            {
                verdict = new StagedPackageReviewer(Transport, Engine.Findings.FindingFactory.MachineOf(SystemPlatform.Instance))
                    .Review(registry, credential, staged, null, PipelineStopping).Summary;
            }
            catch (OperationCanceledException) when (PipelineStopping.IsCancellationRequested)
            {
                return false;
            }
            catch (RegistryException e)
            {
                if (Force)
                {
                    WriteWarning($"{staged}: the review of the staged tarball could not run ({e.Message}); approving anyway because of -Force.");
                    return true;
                }
                WriteError(new ErrorRecord(new InvalidOperationException($"{staged}: not approved: the review of the staged tarball could not run: {e.Message} Add -Force to approve without a review.", e),
                    "StagedPackageReviewFailed", ErrorCategory.InvalidResult, staged.StageId));
                return false;
            }
            WriteVerbose($"{staged}: reviewed against {verdict.ReferenceVersion ?? "no published version"}: risk {verdict.Risk}; {verdict.FilesAdded} added, {verdict.FilesRemoved} removed, {verdict.FilesChanged} changed file(s).");
            if (verdict.Risk < NpmSeverity.High) return true;
            var reasons = verdict.TopReasons.Length > 0 ? string.Join("; ", verdict.TopReasons) : verdict.Risk + " risk";
            if (Force)
            {
                WriteWarning($"{staged}: the review found {verdict.Risk} risk ({reasons}); approving anyway because of -Force.");
                return true;
            }
            WriteError(new ErrorRecord(new InvalidOperationException($"{staged}: not approved: the review of the staged tarball found {verdict.Risk} risk: {reasons}. Review it (Compare-NpmStagedPackage -StageId {staged.StageId}); add -Force to approve anyway."),
                "StagedPackageReviewBlocked", ErrorCategory.SecurityError, staged.StageId));
            return false;
        }
    }
}
