using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm stage reject: deletes a staged version and its tarball for good (DELETE /-/stage/{id} with the second factor),
    /// after ShouldProcess (ConfirmImpact High).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Deny, "NpmStagedPackage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmStagedPackage))]
    public sealed class DenyNpmStagedPackageCommand : NpmStageWriteCmdlet
    {
        protected override void Ask(string registry, RegistryCredential credential)
        {
            var staged = Staged(registry, credential);
            if (staged == null) return;
            if (!ShouldProcess($"{staged} at {RegistryEndpoint.Safe(registry)}", "Reject: delete the staged version and its tarball for good")) return;
            if (Change(registry, credential, (otp, fromOtpParameter) => new NpmStageClient(Transport).Reject(registry, credential, staged.StageId, otp, PipelineStopping, legacyAuth: fromOtpParameter)))
            {
                WriteVerbose($"{staged}: rejected; the staged version and its tarball are deleted.");
                if (PassThru) WriteObject(staged);
            }
        }
    }
}
