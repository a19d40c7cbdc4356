using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Compare-NpmStagedPackage: the review a maintainer should do before approving a staged version. Reads the staged
    /// tarball and a reference tarball (the previous version; none for a first version) in memory, with bounds, and
    /// writes one change object per difference or tarball trick, or with -Summary one verdict. Nothing is extracted and
    /// nothing is run.
    /// </summary>
    /// <remarks>
    /// Two sources for the staged tarball: a local file (-Path, -LiteralPath) or the registry (-StageId, through
    /// <see cref="StagedPackageReviewer"/>: downloaded into memory and verified against the staged shasum). The reference
    /// is -ReferencePath (a local file), -ReferencePackage name@version (the registry's dist.tarball, verified), or for
    /// -StageId by default the version the staged item's tag (else latest) points to now.
    /// </remarks>
    [Cmdlet(VerbsData.Compare, "NpmStagedPackage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(NpmPackageChange))]
    [OutputType(typeof(NpmPackageReview))]
    public sealed class CompareNpmStagedPackageCommand : NpmRegistryCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>The staged item to review (Get-NpmStagedPackage's StageId, by pipeline).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Config", ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = "Token", ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = "Credential", ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? StageId { get; set; }

        /// <summary>Declared again without a position: position 0 is -Path's here.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public override string? Registry { get; set; }

        /// <summary>The version to compare against; without it (and without -ReferencePackage) a local tarball is reviewed as a first version.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? ReferencePath { get; set; }

        /// <summary>name@version or name@tag (name alone: latest): the published tarball to compare against, from the registry.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ReferencePackage { get; set; }

        [Parameter]
        public SwitchParameter Summary { get; set; }

        // -Policy, -ExcludeRule and -Severity as on the other audits: exceptions suppress (never drop) a change, the
        // others leave changes out; the -Summary verdict counts what is written
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as on NpmAuditCmdlet: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        private NpmAuditSelection? _selection;

        private string? _reference;
        private (string Name, string Version)? _referencePackage;

        protected override void BeginProcessing()
        {
            if (Policy != null || ExcludeRule != null || _severity >= 0)
                _selection = NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
            if (ReferencePath != null && ReferencePackage != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -ReferencePath (a local tarball) or -ReferencePackage (a published version), not both."),
                    "ReferenceAmbiguous", ErrorCategory.InvalidArgument, ReferencePackage));
            if (ReferencePackage != null)
            {
                var spec = ReferencePackage;
                int at = spec.LastIndexOf('@');
                var name = at > 0 ? spec.Substring(0, at) : spec;
                var version = at > 0 ? spec.Substring(at + 1) : "latest";
                if (NpmStageClient.CheckPackageName(name) is string why || version.Length == 0)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-ReferencePackage '{spec}' is not name@version or name@tag{(version.Length == 0 ? "" : ": " + NpmStageClient.CheckPackageName(name))}."),
                        "ReferencePackageInvalid", ErrorCategory.InvalidArgument, spec));
                _referencePackage = (name, version);
            }
            if (ReferencePath == null) return;
            string resolved;
            try { resolved = GetUnresolvedProviderPathFromPSPath(ReferencePath); }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "ReferencePathInvalid", ErrorCategory.InvalidArgument, ReferencePath));
                return;
            }
            if (!File.Exists(resolved))
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The reference tarball '{resolved}' does not exist. Name the previous version's .tgz, or leave -ReferencePath out to review a first version.", resolved),
                    "ReferenceTarballNotFound", ErrorCategory.ObjectNotFound, resolved));
            _reference = resolved;
        }

        protected override void ProcessRecord()
        {
            if (StageId != null)
            {
                base.ProcessRecord();   // the registry and credential, then Ask
                return;
            }
            foreach (var path in ResolvePaths(LiteralPath ?? Path, LiteralPath != null))
            {
                if (!File.Exists(path))
                {
                    var reason = Directory.Exists(path) ? "is a folder; name the staged .tgz file" : "does not exist";
                    WriteError(new ErrorRecord(new FileNotFoundException($"The staged tarball '{path}' {reason}.", path), "StagedTarballNotFound", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                Compare(path);
            }
        }

        /// <summary>-StageId: the staged tarball from the registry, against -ReferencePath, -ReferencePackage or what its tag points to.</summary>
        protected override void Ask(string registry, RegistryCredential credential)
        {
            if (!NpmStageClient.IsStageId(StageId))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{StageId}' is not a stage id: a stage id is a UUID (Get-NpmStagedPackage lists them)."),
                    "InvalidStageId", ErrorCategory.InvalidArgument, StageId));
                return;
            }
            var staged = Call(registry, () => new NpmStageClient(Transport).View(registry, credential, StageId!, PipelineStopping));
            if (staged == null) return;
            var reviewer = new StagedPackageReviewer(Transport, FindingFactoryMachine());
            NpmPackageComparison? result;
            try
            {
                if (_reference != null)
                {
                    using var reference = Open(_reference);
                    result = Call(registry, () => reviewer.ReviewAgainst(registry, credential, staged, reference, _reference, PipelineStopping));
                }
                else
                {
                    var spec = _referencePackage is { } rp ? (rp.Name == staged.Package ? rp.Version : null) : null;
                    if (_referencePackage is { } other && other.Name != staged.Package)
                    {
                        using var published = Call(registry, () => reviewer.Published(registry, credential, other.Name, other.Version, required: true, PipelineStopping)!);
                        if (published == null) return;
                        result = Call(registry, () => reviewer.ReviewAgainst(registry, credential, staged, published.Bytes, published.Name, PipelineStopping));
                    }
                    else result = Call(registry, () => reviewer.Review(registry, credential, staged, spec, PipelineStopping));
                }
            }
            catch (OperationCanceledException) when (PipelineStopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "TarballUnreadable", ErrorCategory.ReadError, _reference ?? staged.StageId));
                return;
            }
            if (result != null) Emit(result, staged.ToString(), result.Summary.ReferencePath ?? _reference);
        }

        private void Compare(string path)
        {
            NpmPackageComparison result;
            string? referenceName = _reference;
            try
            {
                using var staged = Open(path);
                PublishedTarball? published = null;
                if (_referencePackage is { } rp)
                {
                    var registry = ChosenRegistry();
                    var credential = OptionalCredential(registry);
                    published = Call(registry, () => new StagedPackageReviewer(Transport, FindingFactoryMachine()).Published(registry, credential, rp.Name, rp.Version, required: true, PipelineStopping)!);
                    if (published == null) return;
                    referenceName = published.Name;
                }
                using (published)
                using (var reference = _reference != null ? Open(_reference) : null)
                {
                    WriteVerbose(referenceName != null ? $"Comparing {path} with {referenceName}." : $"Reviewing {path} without a reference: every file and field is Added.");
                    result = NpmPackageComparer.Compare(staged, path, (Stream?)published?.Bytes ?? reference, referenceName, null, FindingFactoryMachine(), PipelineStopping);
                }
            }
            catch (OperationCanceledException) when (PipelineStopping.IsCancellationRequested)
            {
                return;   // Ctrl+C: PowerShell is stopping the pipeline
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "TarballUnreadable", ErrorCategory.ReadError, path));
                return;
            }
            Emit(result, path, referenceName);
        }

        /// <summary>Unreadable tarballs as errors too, then the filters, then the changes or the verdict.</summary>
        private void Emit(NpmPackageComparison result, string stagedName, string? referenceName)
        {
            foreach (var c in result.Changes)
            {
                if (c.RuleId != "NPMH12028") continue;
                // the verdict still comes (High), but a script checking $? or -ErrorAction Stop must see the failure too
                var target = c.Message.StartsWith("The reference", StringComparison.Ordinal) && referenceName != null ? referenceName : stagedName;
                WriteError(new ErrorRecord(new InvalidDataException($"{target}: {c.Message}"), "TarballUnreadable", ErrorCategory.InvalidData, target));
            }
            var changes = result.Changes;
            var s = result.Summary;
            if (_selection != null)
            {
                // an exception's Location matches the tarball path, the file, "file#field", or the package name@version
                var kept = new System.Collections.Generic.List<NpmPackageChange>();
                foreach (var c in changes)
                    if (_selection.Apply(c, c.Location?.Path, c.File, c.Location?.Name, c.Context)) kept.Add(c);
                changes = kept;
                s = NpmPackageComparer.Summarise(s, kept);
            }
            WriteVerbose(string.Format(CultureInfo.InvariantCulture, "{0}@{1}: risk {2}; {3} added, {4} removed, {5} changed file(s); {6} change(s).",
                s.Package, s.Version, s.Risk, s.FilesAdded, s.FilesRemoved, s.FilesChanged, changes.Count));
            if (Summary) WriteObject(s);
            else foreach (var c in changes) WriteObject(c);
        }

        protected override void EndProcessing()
        {
            _selection?.ReportUnusedExceptions();
            base.EndProcessing();
        }

        private static string FindingFactoryMachine() => Engine.Findings.FindingFactory.MachineOf(SystemPlatform.Instance);

        private static FileStream Open(string path) =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }
}
