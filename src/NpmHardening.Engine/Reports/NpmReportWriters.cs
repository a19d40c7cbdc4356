using System;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>Creates the writer of a report format.</summary>
    public static class NpmReportWriters
    {
        public static INpmReportWriter Create(NpmReportFormat format, Stream output, NpmReportOptions options)
        {
            if (output == null) throw new ArgumentNullException(nameof(output));
            options ??= new NpmReportOptions();
            return format switch
            {
                NpmReportFormat.Sarif => new SarifReportWriter(output, options),
                NpmReportFormat.Html => new HtmlReportWriter(output, options),
                NpmReportFormat.JUnit => new JUnitReportWriter(output, options),
                NpmReportFormat.Csv => new CsvReportWriter(output, options),
                NpmReportFormat.Json => new JsonReportWriter(output, options),
                _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format."),
            };
        }
    }
}
