using System;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// A package's trusted publishers (<c>npm trust list</c>) as objects: <c>GET /-/package/{name}/trust</c> per -Package,
    /// which takes Get-NpmOrgPackage's output by property name. The registry may ask for a second factor (as for every trust
    /// call); calls are paced (-PauseSeconds) as npm advises. -Audit judges each configuration (NPMH13001-13003), with
    /// -RepositoryPath also the clone of the trusted repository (NPMH13004, NPMH13005), and a package without one by how
    /// its newest versions were published (NPMH13006, from the package document).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmTrustedPublisher", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmTrustedPublisher))]
    [OutputType(typeof(NpmTrustFinding))]
    public sealed class GetNpmTrustedPublisherCommand : NpmRegistryAuditCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[] Package { get; set; } = Array.Empty<string>();

        /// <summary>A clone of the trusted repository: -Audit then checks the trusted workflow file there.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RepositoryPath { get; set; }

        /// <summary>A current one-time password (npm --otp). Sent as the npm-otp header only; never written anywhere.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Otp { get; set; }

        /// <summary>Seconds between trust calls (npm advises about 2 to stay under the registry's rate limit); 0: none.</summary>
        [Parameter]
        [ValidateRange(0, 60)]
        public double PauseSeconds { get; set; } = 2;

        private NpmSecondFactor? _otp;
        private readonly TrustCallPacer _pacer = new TrustCallPacer();
        private TrustedPublisherAnalyzer? _analyzer;
        private string? _clone;
        private int _count;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _otp = new NpmSecondFactor(this, Otp);
            if (RepositoryPath == null) return;
            if (!Audit)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-RepositoryPath is read by -Audit only; add -Audit."), "RepositoryPathWithoutAudit", ErrorCategory.InvalidArgument, RepositoryPath));
            _clone = SessionState.Path.GetUnresolvedProviderPathFromPSPath(RepositoryPath);
            if (!Directory.Exists(_clone))
                ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"'{_clone}' is not a folder; -RepositoryPath names a clone of the trusted repository."), "RepositoryNotFound", ErrorCategory.ObjectNotFound, _clone));
        }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            foreach (var package in Package)
            {
                if (PipelineStopping.IsCancellationRequested) return;
                if (NpmStageClient.CheckPackageName(package) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{package}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, package));
                    continue;
                }
                _count++;
                WriteProgress(new ProgressRecord(13, "Reading trusted publishers", $"{_count}: {package}"));
                var list = Call(registry, () =>
                {
                    _pacer.Wait(PauseSeconds, PipelineStopping);
                    try { return _otp!.Run(Transport, registry, credential, (otp, legacy) => new NpmTrustClient(Transport).List(registry, credential, package, otp, PipelineStopping, legacy), PipelineStopping); }
                    finally { _pacer.Called(); }
                });
                if (list == null) continue;
                WriteVerbose($"{package}: {list.Count} trusted publisher(s).");
                if (Audit && list.Count == 0)
                {
                    // NPMH13006: without a trusted publisher, how were the newest versions published?
                    var recent = Call(registry, () => new NpmTrustClient(Transport).RecentReleases(registry, credential, package, TrustedPublisherAnalyzer.RecentReleaseCount, PipelineStopping));
                    if (recent == null) continue;
                    _analyzer ??= new TrustedPublisherAnalyzer();
                    WriteFindings(new NpmFinding[] { _analyzer.AnalyzeWithoutTrust(package, RegistryEndpoint.Safe(registry), recent) });
                    continue;
                }
                foreach (var config in list)
                {
                    if (!Audit) { WriteObject(config); continue; }
                    _analyzer ??= new TrustedPublisherAnalyzer();
                    WriteFindings(_analyzer.Analyze(new TrustedPublisherInput(config, _clone)));
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_count > 0) WriteProgress(new ProgressRecord(13, "Reading trusted publishers", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }
}
