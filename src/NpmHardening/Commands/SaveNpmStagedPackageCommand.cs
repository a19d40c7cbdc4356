using System;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm stage download, verified: the staged tarball (GET /-/stage/{id}/tarball) streamed into -Destination, kept only
    /// when its SHA-1 is the staged shasum the registry reports for the id right before the download; writes the FileInfo.
    /// </summary>
    [Cmdlet(VerbsData.Save, "NpmStagedPackage", SupportsShouldProcess = true, DefaultParameterSetName = "Config")]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveNpmStagedPackageCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string StageId { get; set; } = "";

        /// <summary>The folder to save into (it must exist); the current folder by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Replace a file of the same name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if (!NpmStageClient.IsStageId(StageId))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{StageId}' is not a stage id: a stage id is a UUID (Get-NpmStagedPackage lists them)."),
                    "InvalidStageId", ErrorCategory.InvalidArgument, StageId));
                return;
            }
            string folder;
            try { folder = Destination != null ? GetUnresolvedProviderPathFromPSPath(Destination) : CurrentFileSystemDirectory; }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidDestination", ErrorCategory.InvalidArgument, Destination));
                return;
            }
            if (!Directory.Exists(folder))
            {
                WriteError(new ErrorRecord(new DirectoryNotFoundException($"The destination folder '{folder}' does not exist; create it first."),
                    "DestinationNotFound", ErrorCategory.ObjectNotFound, folder));
                return;
            }
            var stage = new NpmStageClient(Transport);
            var staged = Call(registry, () => stage.View(registry, credential, StageId, PipelineStopping));
            if (staged == null) return;
            if (!ShouldProcess(folder, $"Save the staged tarball of {staged}")) return;
            try
            {
                var path = Call(registry, () => stage.DownloadTarball(registry, credential, staged, folder, Force, PipelineStopping));
                if (path != null) WriteObject(new FileInfo(path));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "TarballNotSaved", ErrorCategory.WriteError, folder));
            }
        }
    }
}
