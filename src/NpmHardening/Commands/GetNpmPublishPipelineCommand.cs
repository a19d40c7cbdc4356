using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Get-NpmPublishPipeline: every CI step of a repository (or, with -Recurse, of every repository under a folder)
    /// that can publish to npm, with its credential, triggers and gate; with -Audit, the findings of the pipeline rules
    /// (NPMH10xxx) instead. A CI file that cannot be read or parsed is one error record naming it, and the scan goes on.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmPublishPipeline", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmPublishStep))]
    [OutputType(typeof(NpmFinding))]
    public sealed class GetNpmPublishPipelineCommand : NpmTreeAuditCmdlet
    {
        [Parameter]
        public SwitchParameter Audit { get; set; }
        // -Policy, -ExcludeRule and -Severity (NpmTreeAuditCmdlet) act on -Audit's findings only.

        private const int WalkActivity = 1;

        private NpmAuditSelection? _selection;
        private PublishPipelineScanner _scanner = null!;
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _facts = new HashSet<string>(StringComparer.Ordinal);
        private int _repositories, _files, _steps;

        protected override void BeginProcessing()
        {
            if (!Audit)
            {
                var given = Array.FindAll(new[] { nameof(Policy), nameof(ExcludeRule), nameof(Severity) }, MyInvocation.BoundParameters.ContainsKey);
                if (given.Length > 0)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                            $"-{string.Join(", -", given)} select(s) findings and needs -Audit: without it Get-NpmPublishPipeline writes the publish steps, not findings."),
                        "AuditParameterWithoutAudit", ErrorCategory.InvalidArgument, null));
            }
            else _selection = LoadSelection();
            _scanner = new PublishPipelineScanner(PipelineScripts.Default, new Engine.Analyzers.PublishPipelineAnalyzer(SystemPlatform.Instance));
        }

        protected override void ProcessRecord()
        {
            var targets = Path == null && LiteralPath == null
                ? new[] { CurrentFileSystemDirectory }
                : ResolvePaths(LiteralPath ?? Path, LiteralPath != null);
            foreach (var folder in targets)
            {
                if (!Directory.Exists(folder))
                {
                    var reason = File.Exists(folder) ? "is a file; name the repository folder that holds it" : "does not exist";
                    WriteError(new ErrorRecord(new DirectoryNotFoundException($"'{folder}' {reason}."), "RepositoryNotFound", ErrorCategory.ObjectNotFound, folder));
                    continue;
                }
                if (Recurse) ScanTree(folder);
                else ScanRepository(folder);
            }
        }

        protected override void EndProcessing()
        {
            _selection?.ReportUnusedExceptions();
            WriteVerbose($"{_steps.ToString(CultureInfo.InvariantCulture)} publish step(s) in {_files.ToString(CultureInfo.InvariantCulture)} CI file(s) of {_repositories.ToString(CultureInfo.InvariantCulture)} repositor(ies).");
        }

        private void ScanTree(string root)
        {
            var activity = $"Searching {root} for repositories with CI definitions";
            var rootFiles = RootFileClaims();
            // the walk runs on the scan's worker threads (one at a time): what it tells the pipeline thread goes through
            // these two, read when progress is written
            var folders = 0;
            string? lastFolder = null;
            void Report(string? dir) =>
                Progress(WalkActivity, -1, activity, $"{_repositories} repositor(ies), {_files} CI file(s), {_steps} publish step(s) in {Volatile.Read(ref folders)} folder(s): {dir ?? Volatile.Read(ref lastFolder)}", -1);

            using var stopping = new CancellationTokenSource();
            _stopping = stopping;

            // walk order: an unreadable folder's error and a repository already scanned by an earlier -Path are items of
            // the walk too, so that every record comes out where a one-thread scan would have written it
            IEnumerable<TreeItem> Walk()
            {
                var unreadable = new Queue<TreeItem>();
                foreach (var repository in RepositoryWalker.Find(root, rootFiles,
                             dir =>
                             {
                                 // the walk may list many folders before the next repository (a tree its owner keeps
                                 // growing, too): Ctrl+C must not wait for it
                                 stopping.Token.ThrowIfCancellationRequested();
                                 Interlocked.Increment(ref folders);
                                 Volatile.Write(ref lastFolder, dir);
                             },
                             (dir, e) => unreadable.Enqueue(new TreeItem(dir, null, e))))
                {
                    while (unreadable.Count > 0) yield return unreadable.Dequeue();
                    var folder = RepositoryRoot(repository);
                    yield return new TreeItem(folder, _seen.Add(folder) ? null : AlreadyScanned, null);
                }
                while (unreadable.Count > 0) yield return unreadable.Dequeue();
            }

            IPlatform platform = SystemPlatform.Instance;
            var scanner = _scanner;
            // the repositories' parent folders are held for the scan: each root is opened from its parent's descriptor
            // (closed when the scan ends, after the workers stopped)
            using var parents = platform.IsWindows ? null : new UnixHeldFolderCache(SystemPlatform.Instance);
            // every repository the walk finds lies where the walk found it: below the tree's real path (FileCiRepository.Open)
            var realTree = platform.IsWindows ? null : platform.RealPath(root);
            try
            {
                // every repository is parsed on one of the workers (one per processor); results come back in walk order
                foreach (var item in OrderedParallelMap.Run(Walk(),
                             item => item.Error != null || item.Note != null ? item : item.With(Scan(scanner, platform, item.Folder, parents, root, realTree)),
                             ScanWorkers, ScanWorkers * 16, () => Report(null), cancellation: stopping.Token))
                {
                    if (item.Error != null)
                    {
                        WriteError(new ErrorRecord(item.Error, "FolderUnreadable", ErrorCategory.ReadError, item.Folder)
                        {
                            ErrorDetails = new ErrorDetails($"{item.Folder} cannot be listed ({item.Error.Message}); the repositories below it were not scanned."),
                        });
                        continue;
                    }
                    if (item.Note != null)
                    {
                        WriteVerbose($"{item.Folder} was already scanned in this run.");
                        continue;
                    }
                    Emit(item.Folder, item.Scan!);
                    Report(item.Folder);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell is stopping the pipeline, nothing more is written
                return;
            }
            finally
            {
                _stopping = null;
            }
            CompleteProgress(WalkActivity, activity);
        }

        private const string AlreadyScanned = "already scanned";

        /// <summary>Threads that scan repositories in parallel under -Recurse; NPMH_PIPELINE_WORKERS (1–64) overrides the
        /// processor count (1: one thread, as a reference for tests and measurements).</summary>
        private static int ScanWorkers
        {
            get
            {
                var text = Environment.GetEnvironmentVariable("NPMH_PIPELINE_WORKERS");
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= 64 ? n : OrderedParallelMap.DefaultWorkers;
            }
        }

        private volatile CancellationTokenSource? _stopping;

        protected override void StopProcessing()
        {
            try { _stopping?.Cancel(); }
            catch (ObjectDisposedException) { /* the scan ended meanwhile */ }
        }

        /// <summary>One item of the walk: a repository to scan (then its scan), a folder that could not be listed, or a
        /// repository an earlier -Path already scanned.</summary>
        private sealed class TreeItem
        {
            public TreeItem(string folder, string? note, Exception? error) { Folder = folder; Note = note; Error = error; }
            public string Folder { get; }
            public string? Note { get; }
            public Exception? Error { get; }
            public PublishPipelineScan? Scan { get; private set; }
            public TreeItem With(PublishPipelineScan scan) { Scan = scan; return this; }
        }

        /// <summary>Whether a CI reader claims a file of this name in a repository root (the walker's repository test).</summary>
        private Func<string, bool> RootFileClaims()
        {
            var readers = PublishPipelineScanner.DefaultReaders();
            return name =>
            {
                foreach (var reader in readers) if (reader.Claims(name)) return true;
                return false;
            };
        }

        private static string RepositoryRoot(string folder)
        {
            var root = folder.Length > 1 ? folder.TrimEnd('/', '\\') : folder;
            if (root.Length == 0 || root.EndsWith(":", StringComparison.Ordinal)) root = folder;
            return root;
        }

        private void ScanRepository(string folder)
        {
            var root = RepositoryRoot(folder);
            if (!_seen.Add(root))
            {
                WriteVerbose($"{root} was already scanned in this run.");
                return;
            }
            Emit(root, Scan(_scanner, SystemPlatform.Instance, root));
        }

        /// <summary>One repository's scan; the folders it held open are closed when it ends.</summary>
        private static PublishPipelineScan Scan(PublishPipelineScanner scanner, IPlatform platform, string root, UnixHeldFolderCache? parents = null,
            string? tree = null, string? realTree = null)
        {
            using var repository = FileCiRepository.Open(platform, root, parents, tree: tree, realTree: realTree);
            return scanner.Scan(repository);
        }

        /// <summary>Writes one repository's scan: counts, verbose lines, error records, then its steps or findings.</summary>
        private void Emit(string root, PublishPipelineScan scan)
        {
            if (scan.Files.Count > 0) _repositories++;
            _files += scan.Files.Count;
            foreach (var file in scan.Files) WriteVerbose($"Read {System.IO.Path.Combine(root, file)}.");
            foreach (var error in scan.Errors)
            {
                var path = System.IO.Path.Combine(root, error.File.Replace('/', System.IO.Path.DirectorySeparatorChar));
                // the reason can quote a key of the file: token shapes are redacted as in every other message
                var message = path + (error.Line > 0 ? ":" + error.Line.ToString(CultureInfo.InvariantCulture) : "") + ": " +
                    Engine.Credentials.NpmCredential.RedactText(error.Reason);
                if (error.PartOnly)
                {
                    // one step or template of the file could not be used; the file's other jobs and steps were read
                    WriteError(new ErrorRecord(new InvalidDataException(message), "CiDefinitionPartSkipped",
                        error.NotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.ParserError, path)
                    {
                        ErrorDetails = new ErrorDetails(message + " Only that part was skipped; the rest of the file is still read."),
                    });
                    continue;
                }
                WriteError(new ErrorRecord(new InvalidDataException(message), "CiDefinitionUnreadable", ErrorCategory.ParserError, path)
                {
                    ErrorDetails = new ErrorDetails(message + " The file was skipped; the other CI files are still read."),
                });
            }
            foreach (var result in scan.Results)
            {
                _steps++;
                if (!Audit)
                {
                    WriteObject(result.Step);
                    continue;
                }
                foreach (var finding in result.Findings)
                {
                    // a job-level fact (an unpinned action, a cache, a token in job env) is met by every publish path of
                    // the job: written once
                    if (!_facts.Add(finding.FactId)) continue;
                    var at = finding.Location;
                    var where = at?.Path != null && at.Line is int line ? at.Path + ":" + line.ToString(CultureInfo.InvariantCulture) : null;
                    if (_selection!.Apply(finding, at?.ToString(), where, at?.Path, result.Step.Job))
                        WriteObject(Rendering.RemediationRenderer.Render(finding));
                }
            }
        }
    }
}
