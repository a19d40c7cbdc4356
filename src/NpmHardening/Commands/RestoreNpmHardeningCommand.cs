using System;
using System.Collections;
using System.Management.Automation;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Commands
{
    /// <summary>Puts back the exact bytes of a config file as a backup kept them (backing up the current bytes first).</summary>
    [Cmdlet(VerbsData.Restore, "NpmHardening", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "BackupId")]
    [OutputType(typeof(NpmHardeningBackup))]
    public sealed class RestoreNpmHardeningCommand : NpmHardeningCmdlet
    {
        [Parameter(ParameterSetName = "Path", Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(ParameterSetName = "Path", Mandatory = true)]
        public SwitchParameter Latest { get; set; }

        [Parameter(ParameterSetName = "BackupId", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? BackupId { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public Hashtable? Environment { get; set; }

        private BackupStore _store = null!;

        protected override void BeginProcessing() => _store = BackupStores.For(Environment);

        protected override void ProcessRecord()
        {
            NpmHardeningBackup? backup;
            if (ParameterSetName == "Path")
            {
                string full;
                try { full = GetUnresolvedProviderPathFromPSPath(Path); }
                catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
                {
                    WriteError(new ErrorRecord(e, "InvalidPath", ErrorCategory.InvalidArgument, Path));
                    return;
                }
                backup = _store.Latest(full);
                if (backup == null)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"There is no backup of {full} in {_store.Root} (Get-NpmHardeningBackup lists them)."),
                        "NpmHardeningBackupNotFound", ErrorCategory.ObjectNotFound, full));
                    return;
                }
            }
            else
            {
                backup = _store.Find(BackupId!);
                if (backup == null)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"There is no backup with the id {BackupId} in {_store.Root} (Get-NpmHardeningBackup lists them)."),
                        "NpmHardeningBackupNotFound", ErrorCategory.ObjectNotFound, BackupId));
                    return;
                }
            }

            var action = backup.OriginalExisted
                ? $"Restore {backup.OriginalPath} from backup {backup.BackupId} ({backup.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, {backup.Length} bytes, SHA-256 {backup.Sha256Original.Substring(0, 12)})"
                : $"Remove {backup.OriginalPath}: it did not exist before backup {backup.BackupId} ({backup.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)";
            if (!ShouldProcess(action, action + "?", "Restore-NpmHardening")) return;

            NpmrcApplyResult result;
            try
            {
                result = new NpmrcFileWriter(_store) { Force = Force, Reason = "Restore-NpmHardening" }.Restore(backup);
            }
            catch (NpmrcWriteException e)
            {
                var category = Enum.TryParse<ErrorCategory>(e.Category, out var c) ? c : ErrorCategory.NotSpecified;
                WriteError(new ErrorRecord(e, e.ErrorId, category, e.Path));
                return;
            }
            foreach (var w in result.Warnings) WriteWarning($"{result.Path}: {w}");
            if (result.Status == NpmrcApplyStatus.Unchanged)
                WriteVerbose($"{result.Path} already holds the bytes of backup {backup.BackupId}; nothing was written.");
            else
                WriteVerbose($"{result.Path}: restored backup {backup.BackupId}" + (result.BackupId != null ? $"; the replaced bytes are in backup {result.BackupId}." : "."));
            if (PassThru) WriteObject(backup);
        }
    }
}
