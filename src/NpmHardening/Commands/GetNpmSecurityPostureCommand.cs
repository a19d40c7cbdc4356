using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NpmHardening.Commands.Rendering;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    [Cmdlet(VerbsCommon.Get, "NpmSecurityPosture", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmSecurityFinding))]
    [OutputType(typeof(NpmSecurityPostureSummary))]
    public sealed class GetNpmSecurityPostureCommand : NpmAuditCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = "LiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        // An int behind an enum property: PowerShell lists the module's types before the module initializer can resolve
        // the engine, and an enum-typed field would need the engine to lay out this class.
        private int _baseline;

        [Parameter]
        public NpmBaseline Baseline { get => (NpmBaseline)_baseline; set => _baseline = (int)value; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? RuleId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedRegistry { get; set; }

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        public SwitchParameter Summary { get; set; }

        private const int SearchActivity = 1;
        private const int ProfileActivity = 2;

        private PostureScanner _scanner = null!;
        /// <summary>Other users' profiles to audit; null means the current user.</summary>
        private List<UserProfileInfo>? _profiles;
        private readonly HashSet<string> _audited = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<NpmSecurityFinding> _collected = new List<NpmSecurityFinding>();
        private readonly List<string> _contexts = new List<string>();
        /// <summary>Targets given but not audited (missing profile or folder, failed audit): -Summary is then not compliant.</summary>
        private readonly List<KeyValuePair<string, string>> _notEvaluated = new List<KeyValuePair<string, string>>();

        protected override void BeginProcessing()
        {
            var platform = SystemPlatform.Instance;
            LoadPolicy();
            // the command line wins over the policy: -Baseline over Baseline, -AllowedRegistry over AllowedRegistries.Default
            if (LoadedPolicy?.Baseline is NpmBaseline policyBaseline && !MyInvocation.BoundParameters.ContainsKey(nameof(Baseline))) Baseline = policyBaseline;
            _profiles = SelectProfiles(platform, "audit");
            _scanner = new PostureScanner(platform, DateTimeOffset.Now)
            {
                Baseline = Baseline,
                AllowedRegistries = AllowedRegistry ?? LoadedPolicy?.AllowedRegistries ?? PostureRequest.DefaultAllowedRegistries,
                ScopedRegistries = LoadedPolicy?.ScopedRegistries,
                RuleIds = RuleId,
                Environment = WhatIfEnvironment(platform),
                Explain = WriteVerbose,
            };
            if (RuleId != null)
                foreach (var pattern in PostureScanner.UnmatchedRuleIds(RuleId))
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No posture rule matches '{pattern}'. Rule ids are NPMH followed by four digits; tab completion on -RuleId lists them with their titles."),
                        "RuleIdNotFound", ErrorCategory.ObjectNotFound, pattern));
        }

        protected override void ProcessRecord()
        {
            if (Path == null && LiteralPath == null)
            {
                if (Recurse) AuditTree(CurrentFileSystemDirectory);
                else AuditFolder(null);
                return;
            }
            foreach (var resolved in ResolvePaths(LiteralPath ?? Path, LiteralPath != null))
            {
                var folder = resolved;
                if (System.IO.File.Exists(folder))
                {
                    // Get-ChildItem -Recurse -Filter package.json | Get-NpmSecurityPosture
                    folder = System.IO.Path.GetDirectoryName(folder) ?? folder;
                }
                if (!System.IO.Directory.Exists(folder))
                {
                    var missing = new System.IO.DirectoryNotFoundException($"'{folder}' is not a folder; give the project folder npm would run in.");
                    WriteError(new ErrorRecord(missing, "ProjectFolderNotFound", ErrorCategory.ObjectNotFound, folder));
                    TargetNotFound(folder, missing.Message);
                    continue;
                }
                if (Recurse) AuditTree(folder);
                else AuditFolder(folder);
            }
        }

        /// <summary>-Recurse: audits every project under <paramref name="folder"/> as the search finds it.</summary>
        private void AuditTree(string folder)
        {
            int searched = 0, found = 0;
            var activity = $"Searching {folder} for projects";
            foreach (var project in PostureScanner.FindProjects(folder,
                         dir => { searched++; Progress(SearchActivity, -1, activity, $"{found} project(s) in {searched} folder(s): {dir}", -1); },
                         (dir, e) => WriteError(new ErrorRecord(e, "ProjectFolderUnreadable", ErrorCategory.PermissionDenied, dir))))
            {
                found++;
                AuditFolder(project);
            }
            CompleteProgress(SearchActivity, activity);
            if (found == 0) WriteWarning($"No folder with a package.json was found under {folder} (node_modules and .git are not searched).");
            else WriteVerbose($"-Recurse: {found} project(s) in {searched} folder(s) under {folder}.");
        }

        protected override void EndProcessing()
        {
            ReportUnusedExceptions();
            if (Summary) WriteObject(PostureSummary.Summarize(_collected, Baseline, _contexts, _notEvaluated));
        }

        protected override void TargetNotFound(string target, string reason) => _notEvaluated.Add(new KeyValuePair<string, string>(target, reason));

        /// <summary>Audits one folder (null: the current location) for the current user or for every selected profile.</summary>
        private void AuditFolder(string? folder)
        {
            if (_profiles == null)
            {
                Audit(PostureContext.CurrentUser(_scanner.Platform, _scanner.Environment, folder ?? CurrentFileSystemDirectory));
                return;
            }
            for (int i = 0; i < _profiles.Count; i++)
            {
                var profile = _profiles[i];
                if (AllUsers)
                    Progress(ProfileActivity, Recurse ? SearchActivity : -1, "Auditing user profiles",
                        $"{profile.UserName} ({i + 1} of {_profiles.Count})", 100 * i / Math.Max(1, _profiles.Count), force: true);
                Audit(PostureContext.ForProfile(profile, folder));
            }
            if (AllUsers) CompleteProgress(ProfileActivity, "Auditing user profiles");
        }

        private void Audit(PostureContext context)
        {
            if (!_audited.Add((context.ProfileHome ?? "") + "\n" + context.WorkingDirectory)) return;
            PostureContextResult result;
            try
            {
                result = _scanner.Audit(context);
            }
            catch (Exception e) when (!(e is PipelineStoppedException) && !(e is OutOfMemoryException))
            {
                WriteError(new ErrorRecord(e, "PostureAuditFailed", ErrorCategory.NotSpecified, context.Label)
                {
                    ErrorDetails = new ErrorDetails($"{context.Label} could not be audited: {e.Message} The other contexts are still audited."),
                });
                TargetNotFound(context.Label, "could not be audited: " + e.Message);
                return;
            }
            _contexts.Add(context.Label);
            foreach (var finding in result.Findings)
            {
                if (!Admit(finding, finding.Location?.ToString())) continue;
                if (Summary) _collected.Add(finding);
                else WriteObject(RemediationRenderer.Render(finding));
            }
        }
    }

    /// <summary>Tab completion of posture rule ids (NPMH2001…) with their titles, from the engine's catalog.</summary>
    public sealed class NpmRuleIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
            foreach (var rule in RuleCatalog.Default.Rules)
            {
                // online rules (NPMH71xx) and pipeline rules (NPMH10xxx) are never reported by the posture audit: offering them would filter to nothing
                if ((!rule.InPostureAudit && OfflineOnly(commandName)) || !pattern.IsMatch(rule.Id)) continue;
                yield return new CompletionResult(rule.Id, rule.Id + " " + rule.Title, CompletionResultType.ParameterValue, $"{rule.Id} ({rule.Severity}): {rule.Title}");
            }
        }

        private static bool OfflineOnly(string? commandName) =>
            string.Equals(commandName, "Get-NpmSecurityPosture", StringComparison.OrdinalIgnoreCase) || string.Equals(commandName, "Test-NpmHardening", StringComparison.OrdinalIgnoreCase);
    }
}
