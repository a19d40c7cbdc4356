using System;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// Writes one report format as findings arrive: <see cref="Add"/> per finding, then <see cref="Complete"/> once.
    /// A writer holds no more than its format needs (SARIF: the rules seen; JUnit: one entry per rule and context).
    /// </summary>
    public interface INpmReportWriter : IDisposable
    {
        void Add(NpmFinding finding);

        /// <summary>Writes what follows the last finding and flushes. Nothing may be added afterwards.</summary>
        void Complete();
    }
}
