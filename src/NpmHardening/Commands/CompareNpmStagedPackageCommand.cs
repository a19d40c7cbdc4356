using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Compare-NpmStagedPackage: the review a maintainer should do before approving a staged version. Reads the staged
    /// tarball and a reference tarball (the previous version; none for a first version) in memory, with bounds, and
    /// writes one change object per difference or tarball trick, or with -Summary one verdict. Nothing is extracted and
    /// nothing is run.
    /// </summary>
    /// <remarks>
    /// The parameter sets are "Path" and "LiteralPath" (local tarballs). The registry sets (-StageId, and
    /// -ReferencePackage name@version for the registry's dist.tarball) come with the registry transport; they hand
    /// the engine two streams the same way <see cref="Compare"/> does here.
    /// </remarks>
    [Cmdlet(VerbsData.Compare, "NpmStagedPackage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(NpmPackageChange))]
    [OutputType(typeof(NpmPackageReview))]
    public sealed class CompareNpmStagedPackageCommand : NpmHardeningCmdlet, IDisposable
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

        /// <summary>The version to compare against; without it every file and field is Added (a first version).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? ReferencePath { get; set; }

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
        // Ctrl+C: the engine checks it between two reads of a tarball
        private readonly System.Threading.CancellationTokenSource _stop = new System.Threading.CancellationTokenSource();

        protected override void StopProcessing() => _stop.Cancel();

        protected override void BeginProcessing()
        {
            if (Policy != null || ExcludeRule != null || _severity >= 0)
                _selection = NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
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

        private void Compare(string path)
        {
            NpmPackageComparison result;
            try
            {
                using var staged = Open(path);
                using var reference = _reference != null ? Open(_reference) : null;
                WriteVerbose(_reference != null ? $"Comparing {path} with {_reference}." : $"Reviewing {path} without a reference: every file and field is Added.");
                result = NpmPackageComparer.Compare(staged, path, reference, _reference, null, FindingFactoryMachine(), _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;   // Ctrl+C: PowerShell is stopping the pipeline
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "TarballUnreadable", ErrorCategory.ReadError, path));
                return;
            }
            foreach (var c in result.Changes)
            {
                if (c.RuleId != "NPMH12028") continue;
                // the verdict still comes (High), but a script checking $? or -ErrorAction Stop must see the failure too
                var target = c.Message.StartsWith("The reference", StringComparison.Ordinal) ? _reference! : path;
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

        protected override void EndProcessing() => _selection?.ReportUnusedExceptions();

        public void Dispose() => _stop.Dispose();

        private static string FindingFactoryMachine() => Engine.Findings.FindingFactory.MachineOf(SystemPlatform.Instance);

        private static FileStream Open(string path) =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }
}
