using System.IO;
using System.Management.Automation;
using System.Text;
using NpmHardening.Engine.Reports;
using NpmHardening.Reports;

namespace NpmHardening.Commands
{
    /// <summary>Turns the findings piped in into one SARIF 2.1.0 log, output as a single string.</summary>
    [Cmdlet(VerbsData.ConvertTo, "NpmSarif")]
    [OutputType(typeof(string))]
    public sealed class ConvertToNpmSarifCommand : NpmReportCmdlet
    {
        /// <summary>No indentation.</summary>
        [Parameter]
        public SwitchParameter Compress { get; set; }

        private MemoryStream _buffer = null!;
        private INpmReportWriter _writer = null!;

        protected override void BeginProcessing()
        {
            _buffer = new MemoryStream();
            var options = ReportErrors.Options(this, SourceRoot, null);
            options.Indent = !Compress;
            _writer = NpmReportWriters.Create(NpmReportFormat.Sarif, _buffer, options);
        }

        protected override void Add(NpmFinding finding) => _writer.Add(finding);

        protected override void EndProcessing()
        {
            _writer.Complete();
            _writer.Dispose();
            WriteObject(new UTF8Encoding(false).GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length));
        }
    }
}
