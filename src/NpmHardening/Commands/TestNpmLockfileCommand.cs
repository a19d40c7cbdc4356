using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Test-NpmLockfile: the lockfile rules (NPMH15xxx) over package-lock.json and npm-shrinkwrap.json files — given
    /// as files, as project folders, or with -Recurse every lockfile of a tree outside node_modules. Writes one
    /// <see cref="NpmLockfileFinding"/> per problem; -Quiet writes one bool instead. A lockfile that cannot be read is
    /// one error record naming it and the line, and the other lockfiles are still tested.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "NpmLockfile", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmLockfileFinding))]
    [OutputType(typeof(bool))]
    public sealed class TestNpmLockfileCommand : NpmTreeAuditCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedHost { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedScheme { get; set; }

        [Parameter]
        public SwitchParameter Quiet { get; set; }

        private static readonly string[] LockfileNames = { "npm-shrinkwrap.json", "package-lock.json" };
        private const int WalkActivity = 1;

        private NpmAuditSelection _selection = null!;
        private LockfileAnalyzer _analyzer = null!;
        private NpmInstallation? _installation;
        private readonly Dictionary<string, ProjectSettings> _projects = new Dictionary<string, ProjectSettings>(StringComparer.Ordinal);
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private bool _passed = true;
        private int _files, _findings;

        protected override void BeginProcessing()
        {
            _selection = LoadSelection();
            _analyzer = new LockfileAnalyzer(SystemPlatform.Instance);
        }

        protected override void ProcessRecord()
        {
            var targets = Path == null && LiteralPath == null
                ? new[] { CurrentFileSystemDirectory }
                : ResolvePaths(LiteralPath ?? Path, LiteralPath != null);
            foreach (var target in targets)
            {
                if (File.Exists(target)) TestFile(target);
                else if (Directory.Exists(target))
                {
                    if (Recurse) Walk(target);
                    else
                    {
                        bool any = false;
                        foreach (var name in LockfileNames)
                        {
                            var file = System.IO.Path.Combine(target, name);
                            if (File.Exists(file)) { any = true; TestFile(file); }
                        }
                        if (!any)
                        {
                            _passed = false;
                            WriteError(new ErrorRecord(new FileNotFoundException($"'{target}' has no package-lock.json or npm-shrinkwrap.json; name a lockfile, or add -Recurse to search the folders below it."),
                                "LockfileNotFound", ErrorCategory.ObjectNotFound, target));
                        }
                    }
                }
                else
                {
                    _passed = false;
                    WriteError(new ErrorRecord(new FileNotFoundException($"'{target}' does not exist."), "LockfileNotFound", ErrorCategory.ObjectNotFound, target));
                }
            }
        }

        protected override void EndProcessing()
        {
            _selection.ReportUnusedExceptions();
            WriteVerbose($"{_findings.ToString(CultureInfo.InvariantCulture)} finding(s) in {_files.ToString(CultureInfo.InvariantCulture)} lockfile(s).");
            if (Quiet) WriteObject(_passed);
        }

        /// <summary>Every lockfile under <paramref name="root"/>; node_modules (installed copies, not the project's) and .git are skipped, and linked folders are not followed.</summary>
        private void Walk(string root)
        {
            var activity = $"Searching {root} for lockfiles";
            var stack = new Stack<string>();
            stack.Push(root);
            int folders = 0;
            while (stack.Count > 0)
            {
                var dir = stack.Pop();
                folders++;
                Progress(WalkActivity, -1, activity, $"{_files} lockfile(s) in {folders} folder(s): {dir}", -1);
                foreach (var name in LockfileNames)
                {
                    var file = System.IO.Path.Combine(dir, name);
                    if (File.Exists(file)) TestFile(file);
                }
                string[] children;
                try { children = Directory.GetDirectories(dir); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(e, "FolderUnreadable", ErrorCategory.ReadError, dir)
                    {
                        ErrorDetails = new ErrorDetails($"{dir} cannot be listed ({e.Message}); the lockfiles below it were not tested."),
                    });
                    continue;
                }
                Array.Sort(children, StringComparer.Ordinal);
                for (int i = children.Length - 1; i >= 0; i--)
                {
                    var child = children[i];
                    var leaf = System.IO.Path.GetFileName(child);
                    if (leaf == "node_modules" || leaf == ".git") continue;
                    try
                    {
                        if ((File.GetAttributes(child) & FileAttributes.ReparsePoint) != 0) continue;
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { continue; }
                    stack.Push(child);
                }
            }
            CompleteProgress(WalkActivity, activity);
        }

        private void TestFile(string path)
        {
            path = System.IO.Path.GetFullPath(path);
            if (!_seen.Add(path))
            {
                WriteVerbose($"{path} was already tested in this run.");
                return;
            }
            _files++;
            NpmLockfileFileAudit audit;
            try
            {
                // judged while it is read: no model of the whole file is kept (issue 15's memory bound)
                audit = _analyzer.AnalyzeFile(Input(path));
            }
            catch (NpmLockfileException e)
            {
                _passed = false;
                WriteError(new ErrorRecord(e, "NpmLockfile" + e.Kind, Category(e.Kind), path)
                {
                    ErrorDetails = new ErrorDetails(e.Message + " The file was not tested; the other lockfiles still are."),
                });
                return;
            }
            var lockfile = audit.Lockfile;
            WriteVerbose($"Read {path}: lockfileVersion {lockfile.LockfileVersion.ToString(CultureInfo.InvariantCulture)}, {audit.Entries.ToString(CultureInfo.InvariantCulture)} entries.");
            foreach (var problem in lockfile.Problems)
            {
                _passed = false;
                WriteError(new ErrorRecord(new InvalidDataException(problem.Message), "NpmLockfile" + problem.Kind, ErrorCategory.InvalidData, path));
            }
            foreach (var finding in audit.Findings)
            {
                var at = finding.Location;
                var where = at?.Path != null && at.Line is int line ? at.Path + ":" + line.ToString(CultureInfo.InvariantCulture) : null;
                var lf = (NpmLockfileFinding)finding;
                if (!_selection.Apply(finding, at?.ToString(), where, at?.Path, lf.Package, lf.PackagePath)) continue;
                if (finding.Status == NpmFindingStatus.Fail || finding.Status == NpmFindingStatus.Error) _passed = false;
                _findings++;
                if (!Quiet) WriteObject(Rendering.RemediationRenderer.Render(finding));
            }
        }

        private static ErrorCategory Category(NpmLockfileErrorKind kind) => kind switch
        {
            NpmLockfileErrorKind.TooLarge => ErrorCategory.LimitsExceeded,
            NpmLockfileErrorKind.TooDeep => ErrorCategory.LimitsExceeded,
            NpmLockfileErrorKind.Unreadable => ErrorCategory.ReadError,
            NpmLockfileErrorKind.WrongType => ErrorCategory.InvalidData,
            NpmLockfileErrorKind.NotALockfile => ErrorCategory.InvalidData,
            _ => ErrorCategory.ParserError,
        };

        private NpmLockfileAuditInput Input(string path)
        {
            var folder = System.IO.Path.GetDirectoryName(path) ?? path;
            var project = Project(folder);
            var input = new NpmLockfileAuditInput(path)
            {
                Registry = project.Registry,
                RepositoryRoot = project.RepositoryRoot,
                AllowScripts = project.AllowScripts,
                ScopeRegistries = project.Scopes,
            };
            foreach (var host in project.Hosts) input.AllowedHosts.Add(host);
            if (AllowedHost != null)
                foreach (var h in AllowedHost) input.AllowedHosts.Add(HostOf(h));
            if (AllowedScheme != null)
                foreach (var s in AllowedScheme) input.AllowedSchemes.Add(s.Trim().TrimEnd(':').ToLowerInvariant());
            return input;
        }

        /// <summary>A -AllowedHost value as a host: lockfile-lint's short names (npm, yarn, verdaccio), a URL's host, or the host as given.</summary>
        private static string HostOf(string given)
        {
            var text = given.Trim();
            var alias = NpmLockfileAuditInput.HostAlias(text.ToLowerInvariant());
            if (alias != null) return alias;
            if (LockfileUrl.TryParse(text, out var url) && url.Host != null) return url.Host;
            return text.TrimEnd('/').ToLowerInvariant();
        }

        private sealed class ProjectSettings
        {
            public string Registry = NpmLockfileAuditInput.PublicRegistry;
            public readonly List<string> Hosts = new List<string>();
            public Dictionary<string, string[]> Scopes = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            public AllowScriptsPolicy? AllowScripts;
            public string RepositoryRoot = "";
        }

        /// <summary>What a project folder allows: npm's effective registry and scope registries there (as Get-NpmConfig resolves them), the policy's registries, package.json's allowScripts and the repository root. Once per folder.</summary>
        private ProjectSettings Project(string folder)
        {
            if (_projects.TryGetValue(folder, out var known)) return known;
            var settings = new ProjectSettings();
            try
            {
                var platform = SystemPlatform.Instance;
                _installation ??= NpmLocator.Locate(platform, platform.Environment);
                var resolution = NpmConfigResolver.Resolve(new NpmConfigRequest { Platform = platform, WorkingDirectory = folder, Installation = _installation });
                if (resolution.GetEffective("registry")?.Value is string registry && registry.Length > 0)
                    settings.Registry = registry.EndsWith("/", StringComparison.Ordinal) ? registry : registry + "/";
                foreach (var key in resolution.Keys)
                {
                    if (!key.StartsWith("@", StringComparison.Ordinal) || !key.EndsWith(":registry", StringComparison.Ordinal)) continue;
                    if (resolution.GetEffective(key)?.Value is string scoped && scoped.Length > 0)
                    {
                        settings.Scopes[key.Substring(0, key.Length - ":registry".Length).ToLowerInvariant()] = new[] { scoped };
                        if (LockfileUrl.TryParse(scoped, out var su) && su.Host != null) settings.Hosts.Add(su.Host);
                    }
                }
            }
            catch (Exception e) when (!(e is PipelineStoppedException))
            {
                WriteWarning($"npm's configuration for {folder} could not be resolved ({e.Message}); the public registry is taken as the project's registry.");
            }
            if (LockfileUrl.TryParse(settings.Registry, out var ru) && ru.Host != null) settings.Hosts.Add(ru.Host);
            var policy = _selection.Policy;
            if (policy != null)
            {
                foreach (var reg in policy.AllowedRegistries ?? Array.Empty<string>())
                    if (LockfileUrl.TryParse(reg, out var pu) && pu.Host != null) settings.Hosts.Add(pu.Host);
                foreach (var pair in policy.ScopedRegistries)
                {
                    var scope = pair.Key.ToLowerInvariant();
                    settings.Scopes[scope] = settings.Scopes.TryGetValue(scope, out var configured) ? Concat(configured, pair.Value) : pair.Value;
                    foreach (var reg in pair.Value)
                        if (LockfileUrl.TryParse(reg, out var su) && su.Host != null) settings.Hosts.Add(su.Host);
                }
            }
            settings.AllowScripts = AllowScriptsPolicy.Read(System.IO.Path.Combine(folder, "package.json"), out var problem);
            if (problem != null) WriteVerbose($"{folder}: {problem}; every install script counts as unapproved.");
            settings.RepositoryRoot = RepositoryRootOf(folder);
            WriteVerbose($"{folder}: registry {LockfileUrl.Redact(settings.Registry)}, allowed hosts {string.Join(", ", settings.Hosts)}, repository {settings.RepositoryRoot}.");
            _projects[folder] = settings;
            return settings;
        }

        private static string[] Concat(string[] a, string[] b)
        {
            var all = new string[a.Length + b.Length];
            a.CopyTo(all, 0);
            b.CopyTo(all, a.Length);
            return all;
        }

        /// <summary>The nearest folder at or above <paramref name="folder"/> with a .git entry (a work tree); the folder itself when none has.</summary>
        private static string RepositoryRootOf(string folder)
        {
            for (var dir = folder; !string.IsNullOrEmpty(dir); dir = System.IO.Path.GetDirectoryName(dir))
            {
                var git = System.IO.Path.Combine(dir, ".git");
                if (Directory.Exists(git) || File.Exists(git)) return dir;
            }
            return folder;
        }
    }
}
