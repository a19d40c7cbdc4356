using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Commands
{
    /// <summary>
    /// A package's published versions as release objects: who published each, how (staged and approved, trusted publisher,
    /// token with or without provenance), the registry signature checked as <c>npm audit signatures</c> checks it,
    /// deprecation and dist-tags. Reads the full package document as it arrives (never held whole) and the registry's
    /// keys once per registry. -Audit judges the selected versions against the package's history (NPMH14001-14009).
    /// -Package takes Get-NpmOrgPackage's output by property name. The document is public: npm's credential for the
    /// registry goes with it when there is one (a restricted package needs it), -Token/-Credential when given.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmPackageRelease", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmPackageRelease))]
    [OutputType(typeof(NpmReleaseFinding))]
    public sealed class GetNpmPackageReleaseCommand : NpmRegistryAuditCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[] Package { get; set; } = Array.Empty<string>();

        /// <summary>Only versions published at or after this time (versions without a publish time are left out).</summary>
        [Parameter]
        public DateTime Since { get; set; }

        /// <summary>Only versions in this semver range (npm's forms: 1.x, ^1.2.0, ~1.2, &gt;=1.0.0 &lt;2.0.0, 1.2 - 2.3, ||).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Version { get; set; }

        /// <summary>Reads each selected version's attestation bundle and compares the provenance subject with dist.integrity.</summary>
        [Parameter]
        public SwitchParameter CheckProvenance { get; set; }

        private NpmVersionRange? _range;
        private readonly Dictionary<string, NpmRegistryKeySet?> _keys = new Dictionary<string, NpmRegistryKeySet?>(StringComparer.Ordinal);
        private readonly Dictionary<string, Task<NpmRegistryKeySet>> _keyRequests = new Dictionary<string, Task<NpmRegistryKeySet>>(StringComparer.Ordinal);
        private PackageReleaseAnalyzer? _analyzer;
        private int _count;
        private bool _since;

        protected override void BeginProcessing()
        {
            // the first read of a process builds its reader, signature and HTTP machinery on another core while this
            // thread resolves npm's configuration (a method group: a lambda would add a closure to JIT-compile here)
            ThreadPool.QueueUserWorkItem(PrepareRead);
            base.BeginProcessing();
            _since = MyInvocation.BoundParameters.ContainsKey(nameof(Since));
            if (Version == null) return;
            if (!NpmVersionRange.TryParse(Version, out _range))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{Version}' is not a version range this command reads: use npm's forms, such as 1.x, ^1.2.0, ~1.2.3, >=1.0.0 <2.0.0, 1.2 - 2.3 or 1.x || 3.x."),
                    "InvalidVersionRange", ErrorCategory.InvalidArgument, Version));
        }

        protected override void ProcessRecord()
        {
            // -Token/-Credential: the base resolves them and calls Ask; otherwise npm's credential when it has one, else none
            if (Token != null || Credential != null)
            {
                base.ProcessRecord();
                return;
            }
            var registry = ChosenRegistry();
            // the keys are asked without a credential: their request goes out while npm's credential is looked up
            foreach (var package in Package)
            {
                if (NpmStageClient.CheckPackageName(package) != null) continue;
                KeysRequest(registry);
                break;
            }
            Read(registry, OptionalCredential(registry));
        }

        protected override void Ask(string registry, RegistryCredential credential) => Read(registry, credential);

        private void Read(string registry, RegistryCredential? credential)
        {
            var shown = RegistryEndpoint.Safe(registry);
            foreach (var package in Package)
            {
                if (PipelineStopping.IsCancellationRequested) return;
                if (NpmStageClient.CheckPackageName(package) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{package}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, package));
                    continue;
                }
                _count++;
                WriteProgress(new ProgressRecord(14, "Reading package releases", $"{_count}: {package}"));
                // the keys are asked for alongside the document, and the signatures of the versions wanted are verified
                // on the other cores while the rest of the document arrives; the judgment follows the whole document
                var keysRequest = KeysRequest(registry);
                using var early = keysRequest == null ? null : new NpmSignaturePipeline(keysRequest, WantedWhileReading, PipelineStopping);
                var document = Call(registry, () => new NpmReleaseClient(Transport).GetPackument(registry, credential, package,
                    NpmPackumentReader.DefaultMaxBytes, early == null ? null : (Action<NpmPackageRelease>)early.Add, PipelineStopping));
                if (document == null) continue;
                WriteVerbose($"{package}: {document.Releases.Count} version(s) in {document.Bytes} bytes from {shown}.");
                if (!document.HasVersions)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException($"{shown}: the document of '{package}' has no 'versions' object; it lists no release."),
                        "NpmPackageDocumentWithoutVersions", ErrorCategory.InvalidData, package));
                    continue;
                }
                if (document.Name != null && document.Name != package)
                    WriteWarning($"{shown}: the document asked for as '{package}' names itself '{document.Name}'.");
                if (document.Problems.Count > 0)
                    WriteWarning($"{package}: {document.Problems.Count} field(s) of the document were unreadable and read as absent ({string.Join("; ", document.Problems.Take(3))}{(document.Problems.Count > 3 ? "; …" : "")}).");

                var selected = document.Releases.Where(Selected).ToList();
                var keys = Keys(registry);
                if (keys != null)
                {
                    try
                    {
                        early?.Complete(PipelineStopping);
                        NpmSignatureVerifier.JudgeAll(selected, keys, PipelineStopping);
                    }
                    catch (OperationCanceledException) when (PipelineStopping.IsCancellationRequested) { return; }
                }
                foreach (var release in selected)
                {
                    if (CheckProvenance && release.HasProvenance)
                    {
                        new NpmReleaseClient(Transport).CheckProvenance(registry, credential, release, PipelineStopping);
                        FlushLog();
                    }
                }
                if (!Audit)
                {
                    foreach (var release in selected) WriteObject(release);
                    continue;
                }
                _analyzer ??= new PackageReleaseAnalyzer();
                WriteFindings(_analyzer.Analyze(new NpmReleaseAuditInput
                {
                    Package = package, Registry = shown, History = document.Releases, Selected = selected,
                    RegistrySigns = keys?.Signs,
                }));
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void PrepareRead(object? state)
        {
            try { Warmup.PrepareReleaseRead(); }
            catch (Exception) { /* the read itself reports any failure */ }
        }

        private bool Selected(NpmPackageRelease release)
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Since)) && (!release.PublishedAt.HasValue || release.PublishedAt.Value < ToOffset(Since))) return false;
            return _range == null || _range.IsSatisfiedBy(release.Version);
        }

        // a DateTime without a kind is the user's local time, as PowerShell's [datetime] parses it
        private static DateTimeOffset ToOffset(DateTime t) =>
            t.Kind == DateTimeKind.Utc ? new DateTimeOffset(t, TimeSpan.Zero) : new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Local) : t);

        /// <summary>
        /// Which versions are verified while the document is read: those of -Version's range. With -Since the publish
        /// times, which follow the versions in the document, decide, so nothing is verified before the document ends.
        /// </summary>
        private bool WantedWhileReading(NpmPackageRelease release) => !_since && (_range == null || _range.IsSatisfiedBy(release.Version));

        /// <summary>The keys request of <paramref name="registry"/>, started once per pipeline (off the pipeline thread);
        /// null once an earlier request failed.</summary>
        private Task<NpmRegistryKeySet>? KeysRequest(string registry)
        {
            if (_keys.TryGetValue(registry, out var known)) return known == null ? null : Task.FromResult(known);
            if (_keyRequests.TryGetValue(registry, out var running)) return running;
            var client = new NpmReleaseClient(Transport);
            var token = PipelineStopping;
            return _keyRequests[registry] = Task.Run(() => client.GetKeysAsync(registry, token));
        }

        /// <summary>The registry's keys, read once per pipeline; null (signatures NotChecked) after an error, which is written.</summary>
        private NpmRegistryKeySet? Keys(string registry)
        {
            if (_keys.TryGetValue(registry, out var known)) return known;
            var request = KeysRequest(registry)!;
            var keys = Call(registry, () => request.GetAwaiter().GetResult());
            if (keys != null && !keys.Signs) WriteVerbose($"{RegistryEndpoint.Safe(registry)} publishes no signing keys: versions are not expected to be signed (NotSigned).");
            _keys[registry] = keys;
            return keys;
        }

        protected override void EndProcessing()
        {
            if (_count > 0) WriteProgress(new ProgressRecord(14, "Reading package releases", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }
}
