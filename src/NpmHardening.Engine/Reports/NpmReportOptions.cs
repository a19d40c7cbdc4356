using System;

namespace NpmHardening.Engine.Reports
{
    /// <summary>What a report needs beyond its findings.</summary>
    public sealed class NpmReportOptions
    {
        /// <summary>
        /// The folder file locations are made relative to (SARIF's <c>%SRCROOT%</c>): usually the repository or the
        /// current folder. Files outside it are written relative to their file-system root.
        /// </summary>
        public string? BaseDirectory { get; set; }

        /// <summary>The module version written as the tool's version.</summary>
        public string ToolVersion { get; set; } = "0.0.0";

        /// <summary>The heading of the HTML report and the name of the JUnit test suites.</summary>
        public string Title { get; set; } = "NpmHardening report";

        /// <summary>Indent JSON output (SARIF and JSON).</summary>
        public bool Indent { get; set; } = true;
    }
}
