using System;
using System.IO;
using System.Management.Automation;
using NpmHardening.Engine.Reports;
using NpmHardening.Reports;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Writes the findings piped in as one report file: SARIF, HTML, JUnit XML, CSV or JSON. The report is written to a
    /// temporary file beside the target and moved over it at the end, so a failure leaves nothing half-written.
    /// </summary>
    [Cmdlet(VerbsData.Export, "NpmHardeningReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportNpmHardeningReportCommand : NpmReportCmdlet, IDisposable
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        // An int behind the enum: PowerShell lays out the module's cmdlet classes before the initializer can load the engine.
        private int _format;

        [Parameter(Mandatory = true)]
        public NpmReportFormat Format { get => (NpmReportFormat)_format; set => _format = (int)value; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Title { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private NpmReportFile? _file;
        private INpmReportWriter? _writer;
        private int _count;

        protected override void BeginProcessing()
        {
            string target;
            try { target = GetUnresolvedProviderPathFromPSPath(Path); }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "ReportPathInvalid", ErrorCategory.InvalidArgument, Path));
                return;
            }
            if (!ShouldProcess(target, $"Write a {Format} report")) return;
            try { _file = NpmReportFile.Open(target, NoClobber, Force); }
            catch (NpmReportPathException e)
            {
                ThrowTerminatingError(ReportErrors.ForPath(e));
                return;
            }
            _writer = NpmReportWriters.Create(Format, _file.Stream, ReportErrors.Options(this, SourceRoot, Title));
        }

        protected override void Add(NpmFinding finding)
        {
            _count++;
            _writer?.Add(finding);
        }

        protected override void EndProcessing()
        {
            if (_writer == null || _file == null) return;
            _writer.Complete();
            _writer.Dispose();
            _writer = null;
            try { _file.Commit(); }
            catch (NpmReportPathException e) { ThrowTerminatingError(ReportErrors.ForPath(e)); }
            WriteVerbose($"Wrote {_count} findings to {_file.Target} ({Format}).");
            // through the provider, so the object carries PSPath and pipes into Get-Content, Copy-Item, …
            if (PassThru) WriteObject(InvokeProvider.Item.Get(new[] { _file.Target }, false, true), true);
        }

        public void Dispose()
        {
            _writer?.Dispose();
            _writer = null;
            _file?.Dispose();
            _file = null;
        }
    }
}
