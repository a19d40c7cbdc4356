using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Who can read and who can publish a package (<c>npm access list collaborators</c>):
    /// <c>GET /-/package/{name}/collaborators</c>. CanPublish is true for read-write.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmPackageCollaborator", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmPackageCollaborator))]
    public sealed class GetNpmPackageCollaboratorCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[] Package { get; set; } = Array.Empty<string>();

        protected override void Ask(string registry, RegistryCredential credential)
        {
            foreach (var package in Package)
            {
                if (NpmStageClient.CheckPackageName(package) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{package}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, package));
                    continue;
                }
                var list = Call(registry, () => new NpmAccessClient(Transport).GetCollaborators(registry, credential, package, PipelineStopping));
                if (list == null) continue;
                foreach (var c in list) WriteObject(c);
            }
        }
    }
}
