using System.Management.Automation;
using NpmHardening.Engine.Reports;

namespace NpmHardening.Reports
{
    /// <summary>The report cmdlets' errors (stable ErrorIds) and options.</summary>
    internal static class ReportErrors
    {
        public static ErrorRecord ForPath(NpmReportPathException e)
        {
            var (id, category) = e.Problem switch
            {
                NpmReportPathProblem.FolderMissing => ("ReportFolderNotFound", ErrorCategory.ObjectNotFound),
                NpmReportPathProblem.IsFolder => ("ReportPathIsFolder", ErrorCategory.InvalidArgument),
                NpmReportPathProblem.Exists => ("ReportFileExists", ErrorCategory.ResourceExists),
                NpmReportPathProblem.ReadOnly => ("ReportFileReadOnly", ErrorCategory.PermissionDenied),
                _ => ("ReportFileNotWritable", ErrorCategory.WriteError),
            };
            return new ErrorRecord(e, id, category, e.Path);
        }

        public static ErrorRecord NotAFinding(object? input, string problem) =>
            new ErrorRecord(new PSArgumentException(problem), "ReportInputNotFinding", ErrorCategory.InvalidType, input);

        public static NpmReportOptions Options(PSCmdlet cmdlet, string? sourceRoot, string? title)
        {
            var version = cmdlet.MyInvocation.MyCommand.Module?.Version ?? typeof(ReportErrors).Assembly.GetName().Version;
            return new NpmReportOptions
            {
                BaseDirectory = sourceRoot != null
                    ? cmdlet.GetUnresolvedProviderPathFromPSPath(sourceRoot)
                    : cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath,
                ToolVersion = version == null ? "0.0.0" : $"{version.Major}.{version.Minor}.{System.Math.Max(0, version.Build)}",
                Title = title ?? "NpmHardening report",
            };
        }
    }
}
