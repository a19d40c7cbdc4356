using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Compare-NpmLockfile: what a change to package-lock.json installs differently, for the reviewer of a pull request.
    /// Two files (-ReferencePath, -DifferencePath) or one file against its version at a git revision (-Path, -Base); one
    /// <see cref="NpmLockfileChange"/> per package that differs, or the risk signals as findings (-Audit), or one verdict
    /// (-Summary). -Online adds the publish-time check against the project's cooldown.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "NpmLockfile", DefaultParameterSetName = FilesSet)]
    [OutputType(typeof(NpmLockfileChange))]
    [OutputType(typeof(NpmLockfileChangeFinding))]
    [OutputType(typeof(NpmLockfileReview))]
    public sealed class CompareNpmLockfileCommand : NpmHardeningCmdlet
    {
        private const string FilesSet = "Files";
        private const string GitSet = "Git";

        /// <summary>Names asked about online in one run at most; the rest are named in a warning.</summary>
        internal const int OnlineLimit = 500;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = FilesSet)]
        [ValidateNotNullOrEmpty]
        public string? ReferencePath { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = FilesSet)]
        [ValidateNotNullOrEmpty]
        public string? DifferencePath { get; set; }

        /// <summary>The lockfile in a git work tree; its version at -Base is the reference.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = GitSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The git revision to compare with: a branch (origin/main), a tag, a commit.</summary>
        [Parameter(Mandatory = true, ParameterSetName = GitSet)]
        [ValidateNotNullOrEmpty]
        public string? Base { get; set; }

        [Parameter]
        public SwitchParameter Audit { get; set; }

        [Parameter]
        public SwitchParameter Summary { get; set; }

        /// <summary>Ask the registry when each new version was published (the cooldown check).</summary>
        [Parameter]
        public SwitchParameter Online { get; set; }

        [Parameter]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 10;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as on NpmAuditCmdlet: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        private NpmAuditSelection? _selection;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();
        private RegistryTransport? _transport;

        protected override void BeginProcessing()
        {
            if (!Audit && !Summary)
            {
                var given = Array.FindAll(new[] { nameof(Policy), nameof(ExcludeRule), nameof(Severity) }, MyInvocation.BoundParameters.ContainsKey);
                if (given.Length > 0)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                            $"-{string.Join(", -", given)} select(s) risk signals and needs -Audit or -Summary: without them Compare-NpmLockfile writes every changed package."),
                        "AuditParameterWithoutAudit", ErrorCategory.InvalidArgument, null));
            }
            if (Audit && Summary)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Audit (the findings) or -Summary (one verdict), not both."),
                    "AuditAndSummary", ErrorCategory.InvalidArgument, null));
            if (Audit || Summary)
                _selection = NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
            if (Base != null && GitRevisionReader.CheckRevision(Base) is string why)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Base '{Printable(Base)}' is refused: {why}."), "InvalidBaseRevision", ErrorCategory.InvalidArgument, Base));
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == FilesSet)
            {
                var reference = One(ReferencePath!, "ReferencePath");
                var difference = One(DifferencePath!, "DifferencePath");
                if (reference == null || difference == null) return;
                var old = Read(reference);
                var current = Read(difference);
                if (old == null || current == null) return;
                Compare(old, reference, current, difference, null);
                return;
            }
            foreach (var path in ResolvePaths(Path, literal: MyInvocation.ExpectingInput))   // a piped FullName is a file name, not a pattern
            {
                if (!File.Exists(path))
                {
                    var reason = Directory.Exists(path) ? "is a folder; name the package-lock.json in it" : "does not exist";
                    WriteError(new ErrorRecord(new FileNotFoundException($"The lockfile '{path}' {reason}.", path), "LockfileNotFound", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                GitRevisionFile baseFile;
                try { baseFile = GitRevisionReader.Read(path, Base!, NpmLockfileLimits.DefaultMaxBytes, _stopping.Token); }
                catch (GitRevisionException e)
                {
                    WriteError(new ErrorRecord(e, ErrorId(e.Problem), Category(e.Problem), e.Problem == GitRevisionProblem.InvalidRevision || e.Problem == GitRevisionProblem.RevisionNotFound ? (object)Base! : path));
                    continue;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { return; }
                WriteVerbose($"{path}: the reference is {baseFile.Display} at commit {baseFile.Commit}.");
                NpmLockfile? old;
                try { old = NpmLockfileReader.Read(new MemoryStream(baseFile.Content, writable: false), baseFile.Display); }
                catch (NpmLockfileException e)
                {
                    WriteError(new ErrorRecord(e, "Lockfile" + e.Kind, ErrorCategory.InvalidData, baseFile.Display));
                    continue;
                }
                var current = Read(path);
                if (current == null) continue;
                Compare(old, baseFile.Display, current, path, baseFile.Commit);
            }
        }

        private string? One(string given, string parameter)
        {
            string resolved;
            try { resolved = GetUnresolvedProviderPathFromPSPath(given); }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                WriteError(new ErrorRecord(e, "InvalidPath", ErrorCategory.InvalidArgument, given));
                return null;
            }
            if (File.Exists(resolved)) return resolved;
            WriteError(new ErrorRecord(new FileNotFoundException($"-{parameter} '{resolved}' {(Directory.Exists(resolved) ? "is a folder; name the lockfile in it" : "does not exist")}.", resolved),
                "LockfileNotFound", ErrorCategory.ObjectNotFound, resolved));
            return null;
        }

        private NpmLockfile? Read(string path)
        {
            try { return NpmLockfileReader.Read(path); }
            catch (NpmLockfileException e)
            {
                WriteError(new ErrorRecord(e, "Lockfile" + e.Kind, e.Kind == NpmLockfileErrorKind.Unreadable ? ErrorCategory.ReadError : ErrorCategory.InvalidData, path));
                return null;
            }
        }

        private void Compare(NpmLockfile old, string referenceName, NpmLockfile current, string path, string? commit)
        {
            var machine = Engine.Findings.FindingFactory.MachineOf(SystemPlatform.Instance);
            LockfileComparison comparison;
            try
            {
                comparison = LockfileComparer.Compare(old.Entries.Select(LockNode.From).ToList(), current.Entries.Select(LockNode.From).ToList(),
                    new LockfileCompareOptions { Path = path, ReferencePath = referenceName, Typosquat = TyposquatIndex.Default.Match, CancellationToken = _stopping.Token });
                if (Online) CheckOnline(comparison.Changes, path);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { return; }
            WriteVerbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1} package(s), {2} in the reference; {3} changed, {4} only moved in the tree.",
                path, comparison.Packages, comparison.ReferencePackages, comparison.Changes.Count, comparison.Moved));
            if (!comparison.Complete)
                WriteWarning($"{path}: placing the changes in the dependency tree reached its bound; the Via lists of some changes are partial.");

            if (!Audit && !Summary)
            {
                foreach (var c in comparison.Changes) WriteObject(c);
                return;
            }
            var context = System.IO.Path.GetDirectoryName(path);
            var kept = new List<NpmLockfileChangeFinding>();
            foreach (var f in LockfileComparer.Findings(comparison.Changes, context, machine))
                // an exception's Location may name the lockfile, the package path in it, or the package
                if (_selection!.Apply(f, f.Location?.Path ?? f.Location?.Name, f.PackagePath, f.Package)) kept.Add(f);
            if (Audit)
            {
                foreach (var f in kept) WriteObject(f);
                return;
            }
            WriteObject(LockfileComparer.Summarise(comparison, kept, path, referenceName, commit, machine));
        }

        // ---- -Online ---------------------------------------------------------------------------------------------

        /// <summary>The cooldown and lost-trust checks, with npm's configuration for the new lockfile's project (registry per scope, credential, proxy, min-release-age).</summary>
        private void CheckOnline(List<NpmLockfileChange> changes, string path)
        {
            var platform = SystemPlatform.Instance;
            var folder = System.IO.Path.GetDirectoryName(path) ?? CurrentFileSystemDirectory;
            var resolution = NpmConfigResolver.Resolve(new NpmConfigRequest { Platform = platform, WorkingDirectory = folder });
            var cooldown = Cooldown(resolution, out string source);
            WriteVerbose($"Cooldown: {cooldown.TotalDays.ToString("0.##", CultureInfo.InvariantCulture)} day(s), {source}.");
            var exempt = Texts(resolution.GetEffective("min-release-age-exclude")?.Value);
            if (_transport == null)
            {
                var proxy = RegistryProxy.FromConfiguration(resolution);
                if (proxy != null) WriteVerbose($"Remote registries are asked through the proxy {proxy}.");
                _transport = new RegistryTransport(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSec), Log = _log.Enqueue, Proxy = proxy });
            }
            var client = new NpmTrustClient(_transport);
            var provenance = new SecretProvenance(platform, AuditedAccount.CurrentProcess(platform), null, PostureContext.CurrentUser(platform, null, folder).Profile);
            var credentials = new Dictionary<string, RegistryCredential?>(StringComparer.Ordinal);
            IReadOnlyList<Engine.Releases.NpmPackageRelease>? Releases(string name)
            {
                var registry = RegistryFor(resolution, name);
                if (!credentials.TryGetValue(registry, out var credential))
                {
                    credential = RegistryCredentials.ForUrl(resolution, registry + "-/whoami", provenance);
                    if (credential != null && (credential.Refusal != null || !credential.CanAuthorize)) credential = null;
                    credentials[registry] = credential;
                    WriteVerbose($"{RegistryEndpoint.Safe(registry)}: asked {(credential != null ? $"with the {credential.Kind} credential from {credential.Source ?? "?"} (fingerprint {credential.Fingerprint})" : "without a credential")}.");
                }
                try { return client.RecentReleases(registry, credential, name, int.MaxValue, _stopping.Token); }
                catch (RegistryException e)
                {
                    WriteError(new ErrorRecord(e, NpmRegistryCmdlet.ErrorId(e), ErrorCategory.ConnectionError, name));
                    return null;
                }
                catch (ArgumentException e)
                {
                    WriteError(new ErrorRecord(e, "PackageNameInvalid", ErrorCategory.InvalidData, name));
                    return null;
                }
                finally
                {
                    while (_log.TryDequeue(out var line)) WriteVerbose(line);
                }
            }
            var unasked = LockfileReleaseCheck.Check(changes, Releases, cooldown, DateTimeOffset.UtcNow, OnlineLimit, exempt, _stopping.Token);
            if (unasked.Count > 0)
                WriteWarning($"{unasked.Count} package(s) were not checked online (more than {OnlineLimit} names changed): {string.Join(", ", unasked.Take(10))}{(unasked.Count > 10 ? ", …" : "")}.");
        }

        /// <summary>npm's min-release-age for the project, in days; without one, the Recommended baseline's.</summary>
        private static TimeSpan Cooldown(NpmConfigResolution resolution, out string source)
        {
            var v = resolution.GetEffective("min-release-age");
            double? days = v?.Value switch
            {
                double d => d,
                int i => i,
                long l => l,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => null,
            };
            if (days is double given && given > 0)
            {
                source = $"min-release-age from {v!.Source ?? v.Layer.ToString()}";
                return TimeSpan.FromDays(given);
            }
            var rule = RuleCatalog.Default.Rules.FirstOrDefault(r => r.Setting == "min-release-age");
            double fallback = rule?.ExpectationFor(NpmBaseline.Recommended)?.Value switch
            {
                double d => d,
                int i => i,
                long l => l,
                _ => 3,
            };
            source = "npm's configuration sets no min-release-age, so the Recommended baseline's";
            return TimeSpan.FromDays(fallback);
        }

        private static string RegistryFor(NpmConfigResolution resolution, string name)
        {
            string? registry = null;
            if (name.StartsWith("@", StringComparison.Ordinal) && name.IndexOf('/') > 1)
                registry = resolution.GetEffective(name.Substring(0, name.IndexOf('/')) + ":registry")?.Value as string;
            if (string.IsNullOrEmpty(registry)) registry = resolution.GetEffective("registry")?.Value as string;
            if (string.IsNullOrEmpty(registry)) registry = "https://registry.npmjs.org/";
            return registry!.EndsWith("/", StringComparison.Ordinal) ? registry : registry + "/";
        }

        private static IEnumerable<string> Texts(object? value) => value switch
        {
            string s => s.Split(new[] { ',', '\n' }, StringSplitOptions.RemoveEmptyEntries),
            IEnumerable<object?> list => list.OfType<string>(),
            _ => Enumerable.Empty<string>(),
        };

        // ---- errors ----------------------------------------------------------------------------------------------

        private static string ErrorId(GitRevisionProblem p) => p switch
        {
            GitRevisionProblem.GitNotFound => "GitNotFound",
            GitRevisionProblem.NotARepository => "NotAGitRepository",
            GitRevisionProblem.InvalidRevision => "InvalidBaseRevision",
            GitRevisionProblem.RevisionNotFound => "BaseRevisionNotFound",
            GitRevisionProblem.PathNotInRevision => "LockfileNotInBase",
            GitRevisionProblem.TooLarge => "LockfileTooLarge",
            _ => "GitFailed",
        };

        private static ErrorCategory Category(GitRevisionProblem p) => p switch
        {
            GitRevisionProblem.GitNotFound => ErrorCategory.ResourceUnavailable,
            GitRevisionProblem.InvalidRevision => ErrorCategory.InvalidArgument,
            GitRevisionProblem.TooLarge => ErrorCategory.LimitsExceeded,
            GitRevisionProblem.Failed => ErrorCategory.OperationStopped,
            _ => ErrorCategory.ObjectNotFound,
        };

        private static string Printable(string s)
        {
            var t = s.Length > 80 ? s.Substring(0, 80) : s;
            return new string(t.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        }

        protected override void EndProcessing()
        {
            _selection?.ReportUnusedExceptions();
            Dispose();
        }

        protected override void StopProcessing()
        {
            try { _stopping.Cancel(); } catch (ObjectDisposedException) { }
        }

        private void Dispose()
        {
            _transport?.Dispose();
            _transport = null;
        }
    }
}
