using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>An organisation's members and their roles (<c>npm org ls</c>): <c>GET /-/org/{org}/user</c>.</summary>
    [Cmdlet(VerbsCommon.Get, "NpmOrgMember", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmOrgMember))]
    public sealed class GetNpmOrgMemberCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Org { get; set; } = Array.Empty<string>();

        /// <summary>Only these users (npm org ls org user); wildcards allowed.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? User { get; set; }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            foreach (var org in Org)
            {
                if (RegistryPackageName.CheckScope(org) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{org}': {why}."), "InvalidOrgName", ErrorCategory.InvalidArgument, org));
                    continue;
                }
                var members = Call(registry, () => new NpmAccessClient(Transport).GetOrgMembers(registry, credential, org, PipelineStopping));
                if (members == null) continue;
                foreach (var m in members)
                    if (User == null || Array.Exists(User, u => new WildcardPattern(u, WildcardOptions.IgnoreCase).IsMatch(m.User))) WriteObject(m);
            }
        }
    }
}
