namespace NpmHardening
{
    /// <summary>The formats Export-NpmHardeningReport writes.</summary>
    public enum NpmReportFormat
    {
        /// <summary>SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.</summary>
        Sarif,
        /// <summary>One self-contained HTML page: summary, groups, a filterable table.</summary>
        Html,
        /// <summary>JUnit XML: one test case per rule and context (Azure Pipelines, GitLab).</summary>
        JUnit,
        /// <summary>CSV, UTF-8 with a byte order mark, one row per finding.</summary>
        Csv,
        /// <summary>A JSON array of findings, enums as names.</summary>
        Json,
    }
}
