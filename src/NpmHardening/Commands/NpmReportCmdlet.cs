using System.Management.Automation;
using NpmHardening.Reports;

namespace NpmHardening.Commands
{
    /// <summary>
    /// What the report cmdlets share: findings from the pipeline (live, older types or deserialized, through
    /// <see cref="NpmFindingAdapter"/>; anything else a non-terminating error) and the folder SARIF locations are
    /// relative to.
    /// </summary>
    public abstract class NpmReportCmdlet : NpmHardeningCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject? InputObject { get; set; }

        /// <summary>The folder SARIF locations are relative to; the current location when not given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SourceRoot { get; set; }

        protected override void ProcessRecord()
        {
            var finding = NpmFindingAdapter.Adapt(InputObject, out var problem);
            if (finding == null) WriteError(ReportErrors.NotAFinding(InputObject, problem!));
            else Add(finding);
        }

        /// <summary>One finding for the report.</summary>
        protected abstract void Add(NpmFinding finding);
    }
}
