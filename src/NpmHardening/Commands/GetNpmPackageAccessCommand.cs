using System;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// A package's visibility and collaborators in one object (<c>npm access get status</c> and <c>npm access list
    /// collaborators</c>). The two-factor policy cannot be read from the registry: TwoFactorPolicy is Unknown, always.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmPackageAccess", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmPackageAccess))]
    public sealed class GetNpmPackageAccessCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[] Package { get; set; } = Array.Empty<string>();

        protected override void Ask(string registry, RegistryCredential credential)
        {
            var client = new NpmAccessClient(Transport);
            foreach (var package in Package)
            {
                if (NpmStageClient.CheckPackageName(package) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{package}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, package));
                    continue;
                }
                var visibility = Call(registry, () => client.GetVisibility(registry, credential, package, PipelineStopping));
                if (visibility == null) continue;
                var collaborators = Call(registry, () => client.GetCollaborators(registry, credential, package, PipelineStopping));
                if (collaborators == null) continue;
                WriteObject(new NpmPackageAccess
                {
                    Package = package,
                    Visibility = visibility,
                    Collaborators = collaborators.ToArray(),
                    Publishers = collaborators.Where(c => c.CanPublish).Select(c => c.User).ToArray(),
                    Registry = RegistryEndpoint.Safe(registry),
                });
            }
        }
    }
}
