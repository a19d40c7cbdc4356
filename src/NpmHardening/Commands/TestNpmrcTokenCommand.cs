using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Commands.Rendering;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "NpmrcToken", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmTokenFinding))]
    [OutputType(typeof(bool))]
    public sealed class TestNpmrcTokenCommand : NpmAuditCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        // FullName as well as PSPath: objects from Import-Csv or Select-Object keep FullName but lose PSPath.
        [Parameter(ParameterSetName = "LiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        public SwitchParameter IncludeNodeModules { get; set; }

        [Parameter]
        public SwitchParameter Quiet { get; set; }

        [Parameter]
        public SwitchParameter Online { get; set; }

        [Parameter]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>The proxy for -Online requests to remote registries; without it, only a proxy the audited npm configuration names.</summary>
        [Parameter]
        [ValidateNotNull]
        [ValidateProxy]
        public Uri? Proxy { get; set; }

        private const int WalkActivity = 1;

        private NpmTokenScanner _scanner = null!;
        private PostureScanner _resolver = null!;
        private List<UserProfileInfo>? _profiles;
        private int _found;
        private bool _problem;

        protected override void BeginProcessing()
        {
            var platform = SystemPlatform.Instance;
            LoadPolicy();
            _profiles = SelectProfiles(platform, "scan");
            _scanner = new NpmTokenScanner(platform) { Problem = OnProblem };
            if (Online)
            {
                _scanner.Proxy = Proxy != null ? RegistryProxy.FromParameter(Proxy) : null;
                _scanner.OnlineCheck = CheckOnline;
            }
            _resolver = new PostureScanner(platform, DateTimeOffset.Now) { Explain = WriteVerbose };
            if (WhatIfEnvironment(platform) is Dictionary<string, string> environment)
            {
                _scanner.Environment = environment;
                _resolver.Environment = environment;
            }
        }

        protected override void ProcessRecord()
        {
            if (Path == null && LiteralPath == null)
            {
                if (Recurse) ScanTree(CurrentFileSystemDirectory);
                else ScanContexts(null);
                return;
            }
            foreach (var resolved in ResolvePaths(LiteralPath ?? Path, LiteralPath != null))
            {
                if (System.IO.Directory.Exists(resolved) && string.Equals(System.IO.Path.GetFileName(resolved.TrimEnd('/', '\\')), NpmrcTreeWalker.FileName, StringComparison.OrdinalIgnoreCase))
                {
                    // named as a config file but a folder: npm ignores it, and scanning it as a project would mislead
                    OnProblem(new TokenScanProblem(TokenScanProblemKind.NotAFile, resolved, "is a directory, not a file; npm ignores it.", true));
                }
                else if (System.IO.Directory.Exists(resolved))
                {
                    if (Recurse) ScanTree(resolved);
                    else ScanContexts(resolved);
                }
                else if (System.IO.File.Exists(resolved))
                {
                    if (_scanner.AlreadyScanned(resolved)) WriteVerbose($"{resolved} was already scanned in this run.");
                    Emit(_scanner.ScanFile(resolved));
                }
                else
                {
                    _problem = true;
                    WriteError(new ErrorRecord(new System.IO.FileNotFoundException($"'{resolved}' is neither a file nor a folder that can be read."),
                        "PathNotFound", ErrorCategory.ObjectNotFound, resolved));
                }
            }
        }

        // one client per proxy asked for (contexts of -AllUsers may name different ones); usually one, direct
        private readonly Dictionary<string, NpmRegistryClient> _clients = new Dictionary<string, NpmRegistryClient>(StringComparer.Ordinal);
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _clientLog = new System.Collections.Concurrent.ConcurrentQueue<string>();

        /// <summary>One online check, on the pipeline thread; the client's log (registry and status, never the token) goes to verbose.</summary>
        private NpmTokenCheck CheckOnline(string scope, IReadOnlyList<string> registries, string token, RegistryProxy? proxy)
        {
            WriteVerbose($"Asking the registry for {scope} about a token (fingerprint {NpmCredential.Fingerprint(token)})" +
                         (proxy != null ? $"; proxy {proxy} for remote hosts." : "."));
            var key = proxy?.ToString() ?? "";
            if (!_clients.TryGetValue(key, out var client))
            {
                client = new NpmRegistryClient(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSec), Log = _clientLog.Enqueue, Proxy = proxy });
                _clients[key] = client;
            }
            var check = client.CheckToken(scope, registries, token);
            while (_clientLog.TryDequeue(out var line)) WriteVerbose(line);
            return check;
        }

        private void DisposeClients()
        {
            foreach (var client in _clients.Values) client.Dispose();
            _clients.Clear();
        }

        protected override void StopProcessing() => DisposeClients();

        protected override void EndProcessing()
        {
            DisposeClients();
            ReportUnusedExceptions();
            WriteVerbose($"{_found} credential finding(s).");
            if (Quiet) WriteObject(!_failed && !_problem);
        }

        private bool _failed;

        /// <summary>The layers npm loads in <paramref name="folder"/> (null: the current location) for each selected user, and their variables.</summary>
        private void ScanContexts(string? folder)
        {
            var cwd = folder ?? CurrentFileSystemDirectory;
            var contexts = _profiles == null
                ? new[] { PostureContext.CurrentUser(_scanner.Platform, Environment != null ? _scanner.Environment : null, cwd) }
                : _profiles.Select(p => PostureContext.ForProfile(p, folder)).ToArray();
            for (int i = 0; i < contexts.Length; i++)
            {
                var context = contexts[i];
                if (contexts.Length > 1)
                    Progress(WalkActivity, -1, "Scanning user profiles", $"{context.Label} ({i + 1} of {contexts.Length})", 100 * i / contexts.Length, force: true);
                try
                {
                    var resolution = _resolver.Resolve(context);
                    Emit(_scanner.ScanContext(context, resolution));
                }
                catch (Exception e) when (!(e is PipelineStoppedException) && !(e is OutOfMemoryException))
                {
                    _problem = true;
                    WriteError(new ErrorRecord(e, "TokenScanFailed", ErrorCategory.NotSpecified, context.Label)
                    {
                        ErrorDetails = new ErrorDetails($"{context.Label} could not be scanned: {e.Message} The other sources are still scanned."),
                    });
                }
            }
            if (contexts.Length > 1) CompleteProgress(WalkActivity, "Scanning user profiles");
        }

        /// <summary>-Recurse: every .npmrc under <paramref name="root"/>, scanned as the walk finds it.</summary>
        private void ScanTree(string root)
        {
            int folders = 0, files = 0;
            var activity = $"Searching {root} for .npmrc files";
            foreach (var file in NpmrcTreeWalker.Find(root, IncludeNodeModules, _scanner.Platform.IsWindows,
                         dir => { folders++; Progress(WalkActivity, -1, activity, $"{files} file(s) in {folders} folder(s): {dir}", -1); },
                         (dir, e) => OnProblem(new TokenScanProblem(TokenScanProblemKind.FolderUnreadable, dir, $"cannot be listed ({e.Message}); the files below it were not scanned.", true))))
            {
                files++;
                Emit(_scanner.ScanFile(file));
            }
            CompleteProgress(WalkActivity, activity);
            WriteVerbose($"-Recurse: {files} .npmrc file(s) in {folders} folder(s) under {root}" + (IncludeNodeModules ? "." : " (node_modules not searched; add -IncludeNodeModules)."));
        }

        private void Emit(IEnumerable<NpmTokenFinding> findings)
        {
            foreach (var finding in findings)
            {
                var location = finding.Path != null && finding.Line is int line ? finding.Path + ":" + line.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
                if (!Admit(finding, finding.Location?.ToString(), location, finding.Path)) continue;
                _found++;
                if (finding.Status == NpmFindingStatus.Fail || finding.Status == NpmFindingStatus.Error) _failed = true;
                if (!Quiet) WriteObject(RemediationRenderer.Render(finding));
            }
        }

        private void OnProblem(TokenScanProblem problem)
        {
            var message = $"'{problem.Target}' {problem.Message}";
            if (!problem.IsError)
            {
                WriteWarning(message);
                return;
            }
            _problem = true;
            var (id, category) = problem.Kind switch
            {
                TokenScanProblemKind.NotAFile => ("NpmrcIsDirectory", ErrorCategory.InvalidType),
                TokenScanProblemKind.TooLarge => ("NpmrcTooLarge", ErrorCategory.LimitsExceeded),
                TokenScanProblemKind.NotRegularFile => ("NpmrcNotRegularFile", ErrorCategory.InvalidType),
                TokenScanProblemKind.LimitExceeded => ("NpmrcLimitExceeded", ErrorCategory.LimitsExceeded),
                TokenScanProblemKind.Binary => ("NpmrcNotText", ErrorCategory.InvalidData),
                TokenScanProblemKind.FolderUnreadable => ("FolderUnreadable", ErrorCategory.PermissionDenied),
                TokenScanProblemKind.VariablesUnreadable => ("EnvironmentUnreadable", ErrorCategory.PermissionDenied),
                _ => ("NpmrcUnreadable", ErrorCategory.ReadError),
            };
            WriteError(new ErrorRecord(new System.IO.IOException(message), id, category, problem.Target));
        }
    }
}
