using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Events;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Is staged publishing enforced for our packages? Per package (names, or every package of -Org): the trusted
    /// publishers (GET /-/package/{name}/trust) and whether they may only stage, whether the package has released through
    /// staging, how its versions of the last -Days days reached the registry, what waits in staging, and the release
    /// audit's open findings; -Summary sums the packages up with a score.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmReleaseGate", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmReleaseGate), typeof(NpmReleaseGateSummary))]
    public sealed class GetNpmReleaseGateCommand : NpmRegistryCmdlet
    {
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[]? Package { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("Scope")]
        public string[]? Org { get; set; }

        /// <summary>One summary object for all the packages instead of one object per package.</summary>
        [Parameter]
        public SwitchParameter Summary { get; set; }

        /// <summary>How many days back "recent" versions are counted.</summary>
        [Parameter]
        [ValidateRange(1, 3650)]
        public int Days { get; set; } = 90;

        private readonly List<NpmReleaseGate> _gates = new List<NpmReleaseGate>();
        private readonly HashSet<string> _done = new HashSet<string>(StringComparer.Ordinal);

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if ((Package == null) == (Org == null))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Package or -Org (one of them)."), "PackageOrOrg", ErrorCategory.InvalidArgument, null));
                return;
            }
            var names = new List<string>(Package ?? Array.Empty<string>());
            foreach (var org in Org ?? Array.Empty<string>())
            {
                if (RegistryPackageName.CheckScope(org) is string bad)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{org}': {bad}."), "InvalidOrgName", ErrorCategory.InvalidArgument, org));
                    continue;
                }
                var packages = Call(registry, () => new NpmAccessClient(Transport).GetOrgPackages(registry, credential, org, PipelineStopping));
                if (packages != null) names.AddRange(packages.Select(p => p.Package));
            }
            var shown = RegistryEndpoint.Safe(registry);
            foreach (var name in names)
            {
                if (NpmStageClient.CheckPackageName(name) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{name}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, name));
                    continue;
                }
                if (!_done.Add(shown + "\0" + name)) continue;
                var problems = new List<string>();
                NpmPackument? packument;
                try { packument = new NpmReleaseClient(Transport).GetPackument(registry, credential, name, cancellationToken: PipelineStopping); }
                catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound) { packument = null; problems.Add("no package document (nothing published yet)"); }
                catch (RegistryException e)
                {
                    WriteError(new ErrorRecord(e, ErrorId(e), ErrorCategory.InvalidResult, e.Registry));
                    FlushLog();
                    continue;
                }
                var trust = Optional(() => new NpmTrustClient(Transport).List(registry, credential, name, null, PipelineStopping), "the trusted publishers", name, problems);
                var staged = Optional(() => new NpmStageClient(Transport).List(registry, credential, name, PipelineStopping), "the staged versions", name, problems);
                FlushLog();
                var gate = ReleaseGateBuilder.Build(name, shown, packument, trust, staged?.Where(s => s.Package == name).ToList(), Days, DateTimeOffset.UtcNow, problems);
                if (Summary) _gates.Add(gate);
                else WriteObject(gate);
            }
        }

        /// <summary>A read the gate can do without: its failure becomes a warning and a problem on the gate, not an error.</summary>
        private T? Optional<T>(Func<T> read, string what, string package, List<string> problems) where T : class
        {
            try { return read(); }
            catch (RegistryException e)
            {
                var reason = e.NeedsOtp ? "the registry asks for a second factor to read them (Get-NpmTrustedPublisher -Otp reads them)" : e.Message;
                problems.Add($"{what} could not be read: {reason}");
                WriteWarning($"{package}: {what} could not be read ({reason}); the gate leaves them unknown.");
                return null;
            }
        }

        protected override void EndProcessing()
        {
            if (Summary) WriteObject(ReleaseGateBuilder.Summarize(_gates));
            base.EndProcessing();
        }
    }
}
