using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// An organisation's packages and the organisation's access to each (<c>npm access list packages &lt;org&gt;</c>):
    /// <c>GET /-/org/{org}/package</c>, falling back to the user's packages as npm does when the name is not an organisation.
    /// Pipes into Get-NpmTrustedPublisher, Set-NpmTrustedPublisher and Set-NpmPackageAccess by the Package property.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmOrgPackage", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmOrgPackage))]
    public sealed class GetNpmOrgPackageCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Scope")]
        public string[] Org { get; set; } = Array.Empty<string>();

        protected override void Ask(string registry, RegistryCredential credential)
        {
            foreach (var org in Org)
            {
                if (RegistryPackageName.CheckScope(org) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{org}': {why}."), "InvalidOrgName", ErrorCategory.InvalidArgument, org));
                    continue;
                }
                var packages = Call(registry, () => new NpmAccessClient(Transport).GetOrgPackages(registry, credential, org, PipelineStopping));
                if (packages == null) continue;
                WriteVerbose($"{org}: {packages.Count} package(s)" + (packages.Count > 0 && packages[0].FromUserScope ? " (a user, not an organisation)" : "") + ".");
                foreach (var p in packages) WriteObject(p);
            }
        }
    }
}
