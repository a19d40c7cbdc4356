using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Takes plaintext credentials out of .npmrc files: a token's value becomes an environment reference in place
    /// (<c>${NPM_TOKEN}</c>), or with -Remove the credential line is deleted. Every write goes through the remediation
    /// writer (lock, re-check, backup, atomic replace, owner and mode kept).
    /// </summary>
    [Cmdlet(VerbsSecurity.Protect, "NpmrcToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(NpmTokenProtection))]
    public sealed class ProtectNpmrcTokenCommand : NpmHardeningCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>Files (wildcards allowed). Also binds the Path of a piped Test-NpmrcToken finding.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipelineByPropertyName = true)]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter]
        public string VariableName { get; set; } = "NPM_TOKEN";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Registry { get; set; }

        /// <summary>From a piped finding: the one line to protect (re-checked against <see cref="Key"/>); 0 (a finding without a line): every line.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int Line { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Key { get; set; }

        [Parameter]
        public SwitchParameter Remove { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        private NpmrcFileWriter? _writer;
        private readonly HashSet<string> _remindedVariables = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>Every file named by the pipeline, in order, with the lines asked for (null: every credential line).</summary>
        private readonly List<(string File, Dictionary<int, string?>? Lines)> _requests = new List<(string, Dictionary<int, string?>?)>();

        private NpmrcFileWriter Writer => _writer ??= new NpmrcFileWriter(BackupStores.For(SystemPlatform.Instance.Environment)) { Force = Force, Reason = "Protect-NpmrcToken" };

        protected override void BeginProcessing()
        {
            if (Remove) return;
            var error = EnvironmentReferenceWriter.CheckName(VariableName);
            if (error != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(error), "InvalidVariableName", ErrorCategory.InvalidArgument, VariableName));
        }

        /// <summary>Collects the files and lines; nothing is planned or written before the whole pipeline is known.</summary>
        protected override void ProcessRecord()
        {
            var given = ParameterSetName == LiteralPathSet ? LiteralPath : Path;
            var named = given?.Where(p => !string.IsNullOrEmpty(p)).ToArray() ?? Array.Empty<string>();
            if (named.Length == 0)
            {
                // a Test-NpmrcToken finding about an environment variable has no file
                if (Key != null || Line != 0)
                    WriteWarning($"{Key ?? "This credential"} is set in the environment, not a file; Protect-NpmrcToken only changes .npmrc files. Remove the variable where it is defined and keep the token in a secret store.");
                else
                    WriteError(new ErrorRecord(new ArgumentException("Give the .npmrc file to protect with -Path or -LiteralPath, or pipe files or Test-NpmrcToken findings."),
                        "PathRequired", ErrorCategory.InvalidArgument, null));
                return;
            }
            if (Line < 0)
            {
                WriteError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Line), Line, "-Line is a 1-based line number."), "InvalidLine", ErrorCategory.InvalidArgument, Line));
                return;
            }
            // a piped finding names one exact file: never glob it
            bool literal = ParameterSetName == LiteralPathSet || Line > 0;
            foreach (var file in ResolvePaths(named, literal))
            {
                int at = _requests.FindIndex(r => string.Equals(r.File, file, SystemPlatform.Instance.Path.Comparison));
                if (at < 0)
                {
                    _requests.Add((file, Line > 0 ? new Dictionary<int, string?> { [Line] = Key } : null));
                    continue;
                }
                // the same file again (several findings of one file): its lines are planned together; a whole-file request wins
                var lines = _requests[at].Lines;
                if (lines != null && Line > 0) lines[Line] = Key;
                else if (lines != null) _requests[at] = (file, null);
            }
        }

        /// <summary>
        /// Plans every file, then refuses the whole pipeline when one variable would stand for different tokens (in one
        /// file or across files), and only then asks ShouldProcess and writes, file by file.
        /// </summary>
        protected override void EndProcessing()
        {
            var plans = new List<TokenProtectionPlan>();
            for (int i = 0; i < _requests.Count; i++)
            {
                var (file, lines) = _requests[i];
                WriteProgress(new ProgressRecord(1, "Protect-NpmrcToken", file) { CurrentOperation = $"planning file {i + 1} of {_requests.Count}" });
                var plan = Plan(file, lines);
                if (plan != null) plans.Add(plan);
            }
            var ambiguous = TokenProtectionPlanner.Ambiguity(plans);
            if (ambiguous != null)
            {
                // nothing is written: pointing two tokens at one variable would lose one and send the other to the wrong registry
                ThrowTerminatingError(new ErrorRecord(ambiguous, ambiguous.ErrorId, ParseCategory(ambiguous.Category), ambiguous.Path));
            }
            for (int i = 0; i < plans.Count; i++)
            {
                WriteProgress(new ProgressRecord(1, "Protect-NpmrcToken", plans[i].Path) { CurrentOperation = $"file {i + 1} of {plans.Count}" });
                Apply(plans[i]);
            }
            if (_requests.Count > 0) WriteProgress(new ProgressRecord(1, "Protect-NpmrcToken", "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>The plan for one file when it can be written; its problem, or the writer's refusal, is an error naming the file.</summary>
        private TokenProtectionPlan? Plan(string file, Dictionary<int, string?>? lines)
        {
            var platform = SystemPlatform.Instance;
            var options = new TokenProtectionOptions
            {
                VariableName = VariableName,
                Registries = Registry,
                Remove = Remove,
                OnlyLines = lines,
                Environment = name => EnvironmentMap.Get(platform.Environment, name),
            };
            // a symbolic link may point anywhere inside the file's own folder without -Force (Set-NpmHardening's rule)
            var target = new HardeningTarget(NpmHardeningScope.User, file, platform.Path.Dirname(file));
            var plan = TokenProtectionPlanner.Plan(target, options, platform);
            if (plan.Problem != null) { WriteProblem(plan.Problem); return null; }
            foreach (var note in plan.Notes)
            {
                if (note.Kind == TokenPlanNoteKind.Verbose) WriteVerbose(note.Message);
                else WriteWarning(note.Message);
            }
            if (!plan.Lines.Any()) WriteVerbose($"{file}: no credential line" + (Registry != null ? " for " + string.Join(", ", Registry) : "") + ".");
            if (!plan.HasChanges)
            {
                if (PassThru) foreach (var skipped in plan.Lines) WriteObject(skipped.ToOutput(file, null));
                return null;
            }
            // what the writer would refuse (UTF-16 without -Force, read-only, a link out of the folder…) is an error before ShouldProcess
            var refusal = NpmrcWriteCheck.Refusal(Writer, plan);
            if (refusal != null) { WriteProblem(refusal); return null; }
            return plan;
        }

        private void Apply(TokenProtectionPlan plan)
        {
            var description = plan.Describe();
            if (!ShouldProcess(description, $"Change {description}?", "Protect-NpmrcToken")) return;

            TokenProtectionResult result;
            try { result = Writer.Apply(plan); }
            catch (Exception e) when (e is NpmrcWriteException || e is TokenProtectionException)
            {
                WriteProblem(e);
                return;
            }
            foreach (var w in result.Warnings) WriteWarning($"{result.Path}: {w}");
            if (result.Replanned) WriteVerbose($"{result.Path} changed while it was being planned; the plan was made again against its current content.");
            if (result.Status == NpmrcApplyStatus.Unchanged) { WriteVerbose($"{result.Path}: nothing needed writing."); return; }
            WriteVerbose($"{result.Path}: written, backup {result.BackupId} (Restore-NpmHardening -BackupId {result.BackupId} puts the previous bytes back).");
            foreach (var name in result.Plan.Changes.Where(c => c.Action == NpmTokenProtectionAction.Replaced).Select(c => c.VariableName!).Distinct())
            {
                if (!_remindedVariables.Add(name)) continue;
                WriteWarning($"Set the environment variable {name} to the token before running npm (PowerShell: $env:{name} = ...; CI: a secret named {name}). " +
                             $"While it is unset, npm sends the literal text ${{{name}}} as the token and the registry refuses it. Use -PassThru to get the token as a SecureString to store.");
            }
            if (PassThru) foreach (var line in result.Lines) WriteObject(line);
        }

        private void WriteProblem(Exception e)
        {
            switch (e)
            {
                case TokenProtectionException t:
                    WriteError(new ErrorRecord(t, t.ErrorId, ParseCategory(t.Category), t.Path));
                    break;
                case NpmrcWriteException w:
                    WriteError(new ErrorRecord(w, w.ErrorId, ParseCategory(w.Category), w.Path));
                    break;
                default:
                    WriteError(new ErrorRecord(e, "NpmrcTokenProtectionFailed", ErrorCategory.NotSpecified, null));
                    break;
            }
        }

        private static ErrorCategory ParseCategory(string name) => Enum.TryParse<ErrorCategory>(name, out var c) ? c : ErrorCategory.NotSpecified;
    }
}
