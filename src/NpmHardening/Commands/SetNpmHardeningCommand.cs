using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// What Set-NpmHardening and Test-NpmHardening share: the contexts (current user, -UserProfile, -AllUsers, project
    /// folders from -Path, -LiteralPath or the pipeline, -Environment) built exactly as Get-NpmSecurityPosture builds
    /// them, the desired settings (-Baseline, -Setting, piped findings) and one plan per context. Pipeline input binds by
    /// property: folders by PSPath/FullName (-LiteralPath) or Path (-Path), findings by RuleId and Status; anything else
    /// is refused with an error, never read as "nothing to do".
    /// </summary>
    public abstract class NpmHardeningPlanCmdlet : NpmProfileCmdlet
    {
        protected const string BaselineSet = "Baseline";
        protected const string SettingSet = "Setting";
        protected const string FindingSet = "Finding";

        // Ints behind enum properties: PowerShell lists the module's types before the module initializer can resolve
        // the engine, and an enum-typed field would need the engine to lay out this class (see Get-NpmSecurityPosture).
        private int _scope;
        private int _baseline;

        [Parameter]
        public NpmHardeningScope Scope { get => (NpmHardeningScope)_scope; set => _scope = (int)value; }

        [Parameter(ParameterSetName = BaselineSet)]
        public NpmBaseline Baseline { get => (NpmBaseline)_baseline; set => _baseline = (int)value; }

        [Parameter(ParameterSetName = SettingSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ValidateNpmSetting]
        public Hashtable? Setting { get; set; }

        [Parameter(ParameterSetName = FindingSet, Mandatory = true, ValueFromPipeline = true)]
        public PSObject[]? InputObject { get; set; }

        /// <summary>Project folders (wildcards allowed); also the Path property of piped objects.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Project folders taken literally; also the PSPath or FullName of piped folders (Get-ChildItem -Directory).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        private readonly List<NpmSecurityFinding> _findings = new List<NpmSecurityFinding>();
        private readonly List<string> _folders = new List<string>();
        private bool _foldersGiven;
        private int _pipedRecords;
        private List<UserProfileInfo>? _profiles;

        protected IPlatform Platform => SystemPlatform.Instance;
        /// <summary>The environment the cmdlet runs in: -Environment, else the process's.</summary>
        protected IReadOnlyDictionary<string, string> BaseEnvironment { get; private set; } = null!;
        /// <summary>Piped objects that were neither findings nor folders (each was reported as an error).</summary>
        protected int RefusedInputs { get; private set; }
        /// <summary>True when -Baseline (given or by default) decides the desired settings.</summary>
        protected bool UsesBaseline => ParameterSetName == BaselineSet || ParameterSetName == FindingSet && _findings.Count == 0;

        protected override void BeginProcessing()
        {
            BaseEnvironment = Environment != null ? ToEnvironment(Environment, Platform.IsWindows) : Platform.Environment;
            _profiles = SelectProfiles(Platform, "work on");
        }

        protected override void ProcessRecord()
        {
            if (MyInvocation.ExpectingInput) _pipedRecords++;
            if (Path != null && LiteralPath != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give the project folders with -Path or with -LiteralPath, not both."),
                    "PathParametersConflict", ErrorCategory.InvalidArgument, null));
            if (Path != null || LiteralPath != null)
            {
                if (Scope != NpmHardeningScope.Project)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Path names the project folders of the Project scope; add -Scope Project (or leave -Path out)."),
                        "PathWithoutProjectScope", ErrorCategory.InvalidArgument, Path ?? LiteralPath));
                _foldersGiven = true;
                foreach (var resolved in ResolvePaths(LiteralPath ?? Path, LiteralPath != null)) AddFolder(resolved);
            }
            if (ParameterSetName != FindingSet || InputObject == null) return;
            foreach (var item in InputObject)
            {
                if (item == null) continue;
                if (IsFinding(item)) _findings.Add(ToFinding(item));
                else if (CarriesPath(item)) continue; // a folder: its PSPath, FullName or Path bound to -LiteralPath or -Path
                else
                {
                    RefusedInputs++;
                    WriteError(new ErrorRecord(new ArgumentException(
                            $"'{Describe(item)}' is neither a finding of Get-NpmSecurityPosture (with RuleId and Status) nor a folder (with PSPath, FullName or Path), so it was not used. Pipe findings or folders (Get-Item, Get-ChildItem -Directory), or give -Path."),
                        "InputObjectNotRecognized", ErrorCategory.InvalidArgument, item));
                }
            }
        }

        protected override void EndProcessing()
        {
            if (MyInvocation.ExpectingInput && _pipedRecords == 0)
            {
                // the pipeline was empty, or every object failed to bind (PowerShell reported those): nothing to work on
                NothingEvaluated("Nothing usable was piped in, so nothing was evaluated.");
                Finish();
                return;
            }
            if (ParameterSetName == FindingSet && _findings.Count == 0 && !_foldersGiven)
            {
                NothingEvaluated(RefusedInputs > 0 ? "None of the piped objects was a finding." : "No finding was piped in: nothing to do.");
                Finish();
                return;
            }
            var scanner = new PostureScanner(Platform, DateTimeOffset.Now) { Environment = WhatIfEnvironment(Platform) };
            Configure(scanner);
            int contexts = 0;
            foreach (var context in Contexts())
            {
                contexts++;
                HardeningPlan plan;
                try
                {
                    var resolution = Resolve(scanner, context);
                    plan = HardeningPlanner.Plan(resolution, Scope, Desired(resolution), Platform);
                }
                catch (InvalidOperationException e)
                {
                    WriteError(new ErrorRecord(e, "NpmConfigFileUnknown", ErrorCategory.ObjectNotFound, context.Label)
                    {
                        ErrorDetails = new ErrorDetails($"{context.Label}: the {Scope} config file is unknown: {e.Message}"),
                    });
                    ContextFailed(context, $"the {Scope} config file is unknown: {e.Message}");
                    continue;
                }
                Handle(context, plan);
            }
            if (contexts == 0) NothingEvaluated("No user profile or project folder was left to work on, so nothing was evaluated.");
            Finish();
        }

        /// <summary>Sets the baseline and allowed registries of the scanner the contexts are resolved (and audited) with.</summary>
        protected virtual void Configure(PostureScanner scanner) { }

        /// <summary>npm's configuration in one context (Test-NpmHardening also audits it there).</summary>
        protected virtual NpmConfigResolution Resolve(PostureScanner scanner, PostureContext context) => scanner.Resolve(context);

        /// <summary>One plan per context, in order.</summary>
        protected abstract void Handle(PostureContext context, HardeningPlan plan);

        /// <summary>A context whose file could not be planned (after its error was written).</summary>
        protected virtual void ContextFailed(PostureContext context, string reason) { }

        /// <summary>Nothing was there to work on; <paramref name="reason"/> says why.</summary>
        protected virtual void NothingEvaluated(string reason) => WriteVerbose(reason);

        /// <summary>After every context.</summary>
        protected virtual void Finish() { }

        /// <summary>
        /// Plan warnings to the warning stream (the Windows Global note to verbose). A setting asked for by -Setting or a
        /// piped finding that the plan cannot write for this npm (a key it does not have yet, a value its type refuses) is
        /// a non-terminating error naming the file, so -ErrorAction Stop stops on it; a baseline key this npm does not
        /// have stays a warning (the posture rule is NotApplicable for it). File problems are left to the caller.
        /// </summary>
        protected void WritePlanWarnings(HardeningPlan plan, bool asVerbose)
        {
            foreach (var w in plan.Warnings)
            {
                if (plan.Problem != null && w.Kind == PlanWarningKind.FileProblem) continue;
                if (!asVerbose && !UsesBaseline && NotWritten(w.Kind) is ErrorCategory category)
                    WriteError(new ErrorRecord(new InvalidOperationException(w.Message), "NpmSetting" + w.Kind, category, plan.Path));
                else if (asVerbose || w.Kind == PlanWarningKind.Note) WriteVerbose(w.Message);
                else WriteWarning(w.Message);
            }
        }

        /// <summary>The error category of a desired setting the plan leaves unwritten; null for the other warnings.</summary>
        private static ErrorCategory? NotWritten(PlanWarningKind kind) => kind switch
        {
            PlanWarningKind.NeedsNpmUpgrade => ErrorCategory.NotInstalled,
            PlanWarningKind.UnknownKey => ErrorCategory.InvalidArgument,
            PlanWarningKind.InvalidValue => ErrorCategory.InvalidArgument,
            PlanWarningKind.ValueNotRepresentable => ErrorCategory.InvalidArgument,
            _ => null,
        };

        protected void WriteWriteError(NpmrcWriteException e)
        {
            var category = Enum.TryParse<ErrorCategory>(e.Category, out var c) ? c : ErrorCategory.NotSpecified;
            WriteError(new ErrorRecord(e, e.ErrorId, category, e.Path));
        }

        private DesiredSettingSet Desired(NpmConfigResolution resolution)
        {
            if (ParameterSetName == SettingSet) return HardeningSettings.FromMap(ValidateNpmSettingAttribute.Pairs(Setting!), "-Setting");
            if (!UsesBaseline) return HardeningSettings.FromFindings(_findings);
            return HardeningSettings.FromBaseline(Baseline, resolution.NpmVersion);
        }

        /// <summary>A project folder to work in: a folder, or the folder of a package.json; anything else is an error.</summary>
        private void AddFolder(string resolved)
        {
            var folder = resolved;
            if (System.IO.File.Exists(folder) && string.Equals(System.IO.Path.GetFileName(folder), "package.json", StringComparison.OrdinalIgnoreCase))
                folder = System.IO.Path.GetDirectoryName(folder) ?? folder; // Get-ChildItem -Recurse -Filter package.json | ...
            if (!System.IO.Directory.Exists(folder))
            {
                var missing = new System.IO.DirectoryNotFoundException($"'{resolved}' is not a folder; give the project folder whose .npmrc to use.");
                WriteError(new ErrorRecord(missing, "ProjectFolderNotFound", ErrorCategory.ObjectNotFound, resolved));
                TargetNotFound(resolved, missing.Message);
                return;
            }
            var comparison = Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            if (!_folders.Contains(folder, comparison)) _folders.Add(folder);
        }

        /// <summary>The contexts to plan in, as Get-NpmSecurityPosture builds them for the same parameters.</summary>
        private IEnumerable<PostureContext> Contexts()
        {
            bool project = Scope == NpmHardeningScope.Project;
            IEnumerable<string?> folders = project && _foldersGiven ? _folders.Cast<string?>() : new List<string?> { project ? CurrentFileSystemDirectory : null };
            foreach (var folder in folders)
            {
                if (_profiles == null)
                {
                    yield return PostureContext.CurrentUser(Platform, WhatIfEnvironment(Platform), folder ?? CurrentFileSystemDirectory);
                    continue;
                }
                foreach (var profile in _profiles) yield return PostureContext.ForProfile(profile, folder);
            }
        }

        private static bool IsFinding(PSObject item) =>
            item.BaseObject is NpmSecurityFinding || HasText(item, "RuleId") && HasText(item, "Status");

        private static bool CarriesPath(PSObject item) => HasText(item, "PSPath") || HasText(item, "FullName") || HasText(item, "Path");

        private static bool HasText(PSObject item, string name) =>
            item.Properties[name]?.Value is object v && !string.IsNullOrEmpty(Convert.ToString(v is PSObject p ? p.BaseObject : v, System.Globalization.CultureInfo.InvariantCulture));

        private static string Describe(PSObject item)
        {
            var text = Convert.ToString(item.BaseObject, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            return text.Length > 80 ? text.Substring(0, 77) + "..." : text;
        }

        /// <summary>A deserialized finding's remediation (a property bag after Import-Clixml), or a plain text.</summary>
        private static NpmRemediation? RemediationOf(object? value)
        {
            if (value is PSObject bag && !(bag.BaseObject is string))
            {
                if (bag.BaseObject is NpmRemediation live) return live;
                string? Text(string name) => bag.Properties[name]?.Value?.ToString();
                return new NpmRemediation { Summary = Text("Summary") ?? "", NpmCommand = Text("NpmCommand"), PowerShell = Text("PowerShell") };
            }
            if (value is NpmRemediation r) return r;
            return value is object o && (o is PSObject p ? p.BaseObject : o) is string text ? new NpmRemediation { Summary = text, PowerShell = text } : null;
        }

        /// <summary>A finding, live or deserialized (Import-Clixml, Invoke-Command): read by property name.</summary>
        private static NpmSecurityFinding ToFinding(PSObject item)
        {
            if (item.BaseObject is NpmSecurityFinding live) return live;
            string? Get(string name) => item.Properties[name]?.Value is object v ? Convert.ToString(v is PSObject p ? p.BaseObject : v, System.Globalization.CultureInfo.InvariantCulture) : null;
            var finding = new NpmSecurityFinding
            {
                RuleId = Get("RuleId") ?? "",
                Title = Get("Title") ?? "",
                Setting = Get("Setting"),
                Actual = Get("Actual"),
                Expected = Get("Expected"),
                Layer = Get("Layer"),
                Context = Get("Context"),
                Remediation = RemediationOf(item.Properties["Remediation"]?.Value),
                Baseline = Get("Baseline"),
            };
            if (Enum.TryParse<NpmFindingStatus>(Get("Status") ?? "", true, out var status)) finding.Status = status;
            else finding.Status = NpmFindingStatus.Error; // unknown: ignored
            return finding;
        }
    }

    [Cmdlet(VerbsCommon.Set, "NpmHardening", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BaselineSet)]
    [OutputType(typeof(NpmSettingChange))]
    public sealed class SetNpmHardeningCommand : NpmHardeningPlanCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private NpmrcFileWriter? _writer;

        /// <summary>The backup store of the user running the cmdlet, from the same environment the resolution uses (-Environment included).</summary>
        private NpmrcFileWriter Writer => _writer ??= new NpmrcFileWriter(BackupStores.For(BaseEnvironment)) { Force = Force, Reason = "Set-NpmHardening" };

        protected override void Handle(PostureContext context, HardeningPlan plan)
        {
            WritePlanWarnings(plan, false);
            if (!plan.HasChanges && plan.Problem == null)
            {
                WriteVerbose($"{plan.Path}: already compliant, nothing to change.");
                return;
            }
            // what the writer would refuse is an error before ShouldProcess, so -WhatIf shows the failure the real run would hit
            var refusal = NpmrcWriteCheck.Refusal(Writer, plan);
            if (refusal != null) { WriteWriteError(refusal); return; }
            if (!ShouldProcess(plan.Describe(), $"Change {plan.Describe()}?", "Set-NpmHardening")) return;
            var result = Writer.TryApply(plan);
            foreach (var w in result.Warnings) WriteWarning($"{result.Path}: {w}");
            if (result.Status == NpmrcApplyStatus.Failed)
            {
                if (result.Error != null) WriteWriteError(result.Error);
                return;
            }
            if (result.Replanned) WriteVerbose($"{result.Path} changed while it was being planned; the plan was made again against its current content.");
            if (result.Status == NpmrcApplyStatus.Unchanged) { WriteVerbose($"{result.Path}: nothing needed writing."); return; }
            WriteVerbose($"{result.Path}: written ({result.Changes.Count} change(s)), backup {result.BackupId}.");
            // overrides by higher layers were already warned about with the plan (PlanWarningKind.Overridden)
            if (PassThru)
                foreach (var change in result.Changes) WriteObject(change);
        }
    }
}
