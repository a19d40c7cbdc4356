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
    /// What Set-NpmHardening and Test-NpmHardening share: the contexts (current user, -UserProfile, -AllUsers, -Path,
    /// -Environment), the desired settings (-Baseline, -Setting, piped findings) and one plan per context.
    /// </summary>
    public abstract class NpmHardeningPlanCmdlet : NpmHardeningCmdlet
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

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? UserProfile { get; set; }

        [Parameter]
        public SwitchParameter AllUsers { get; set; }

        [Parameter]
        public Hashtable? Environment { get; set; }

        private readonly List<object> _findings = new List<object>();
        protected IPlatform Platform => SystemPlatform.Instance;
        /// <summary>The environment the cmdlet runs in: -Environment, else the process's.</summary>
        protected IReadOnlyDictionary<string, string> BaseEnvironment { get; private set; } = null!;

        protected override void BeginProcessing()
        {
            if (AllUsers && UserProfile != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Use -AllUsers or -UserProfile, not both."),
                    "ProfileParametersConflict", ErrorCategory.InvalidArgument, null));
            if (Path != null && Scope != NpmHardeningScope.Project)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Path names the project folder of the Project scope; add -Scope Project (or leave -Path out)."),
                    "PathWithoutProjectScope", ErrorCategory.InvalidArgument, Path));
            BaseEnvironment = Environment != null ? ToEnvironment(Environment, Platform.IsWindows) : Platform.Environment;
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName != FindingSet || InputObject == null) return;
            foreach (var item in InputObject)
                if (item != null) _findings.Add(ToFinding(item));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == FindingSet && _findings.Count == 0)
            {
                WriteVerbose("No finding was piped in: nothing to do.");
                Finish();
                return;
            }
            string? folder = null;
            if (Path != null)
            {
                folder = ResolvePaths(new[] { Path }, false).FirstOrDefault();
                if (folder == null) { Finish(); return; }
                if (!System.IO.Directory.Exists(folder))
                {
                    WriteError(new ErrorRecord(new System.IO.DirectoryNotFoundException($"'{folder}' is not a folder; give the project folder whose .npmrc to change."),
                        "ProjectFolderNotFound", ErrorCategory.ObjectNotFound, folder));
                    Finish();
                    return;
                }
            }
            var workingDirectory = folder ?? CurrentFileSystemDirectory;
            foreach (var (label, env, cwd) in Contexts(workingDirectory))
            {
                NpmConfigResolution resolution;
                HardeningPlan plan;
                try
                {
                    resolution = NpmConfigResolver.Resolve(new NpmConfigRequest
                    {
                        Platform = Platform,
                        Environment = env,
                        WorkingDirectory = cwd,
                        Installation = NpmLocator.Locate(Platform, env),
                    });
                    plan = HardeningPlanner.Plan(resolution, Scope, Desired(resolution), Platform);
                }
                catch (InvalidOperationException e)
                {
                    WriteError(new ErrorRecord(e, "NpmConfigFileUnknown", ErrorCategory.ObjectNotFound, label)
                    {
                        ErrorDetails = new ErrorDetails($"{label}: the {Scope} config file is unknown: {e.Message}"),
                    });
                    continue;
                }
                Handle(plan);
            }
            Finish();
        }

        /// <summary>One plan per context, in order.</summary>
        protected abstract void Handle(HardeningPlan plan);

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
                if (!asVerbose && ParameterSetName != BaselineSet && NotWritten(w.Kind) is ErrorCategory category)
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
            switch (ParameterSetName)
            {
                case SettingSet:
                    return HardeningSettings.FromMap(ValidateNpmSettingAttribute.Pairs(Setting!), "-Setting");
                case FindingSet:
                    return HardeningSettings.FromFindings(_findings.Cast<NpmSecurityFinding>());
                default:
                    return HardeningSettings.FromBaseline(Baseline, resolution.NpmVersion);
            }
        }

        private IEnumerable<(string Label, IReadOnlyDictionary<string, string> Env, string Cwd)> Contexts(string workingDirectory)
        {
            bool project = Scope == NpmHardeningScope.Project;
            if (AllUsers)
            {
                var profiles = PostureScanner.SelectProfiles(Platform, false,
                    (p, why) => WriteVerbose($"Skipping the profile of {p.UserName} ({p.HomeDirectory}): {why}.")).ToList();
                WriteVerbose($"-AllUsers: {profiles.Count} profile(s).");
                if (profiles.Count == 0) WriteWarning("No user profile was found on this machine (system and service accounts are skipped).");
                foreach (var p in profiles)
                    yield return (p.HomeDirectory, ProfileEnvironment.For(Platform, BaseEnvironment, p.HomeDirectory), project ? workingDirectory : p.HomeDirectory);
                yield break;
            }
            if (UserProfile != null)
            {
                foreach (var home in ResolveProfileFolders(UserProfile))
                    yield return (home, ProfileEnvironment.For(Platform, BaseEnvironment, home), project ? workingDirectory : home);
                yield break;
            }
            yield return (workingDirectory, BaseEnvironment, workingDirectory);
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
                Source = Get("Source"),
                Context = Get("Context"),
                Remediation = Get("Remediation"),
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

        protected override void Handle(HardeningPlan plan)
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
