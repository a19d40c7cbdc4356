using System;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>The report's path cannot take the report; nothing was written.</summary>
    public sealed class NpmReportPathException : IOException
    {
        public NpmReportPathException(NpmReportPathProblem problem, string path, string message, Exception? inner = null)
            : base(message, inner)
        {
            Problem = problem;
            Path = path;
        }

        public NpmReportPathProblem Problem { get; }
        public string Path { get; }
    }
}
