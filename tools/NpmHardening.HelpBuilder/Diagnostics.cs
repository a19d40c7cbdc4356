using System;
using System.IO;

namespace NpmHardening.HelpBuilder
{
    /// <summary>Collects "file(line): error: message" lines in the format editors and CI logs understand.</summary>
    internal sealed class Diagnostics
    {
        private readonly TextWriter _writer;

        public Diagnostics(TextWriter writer) => _writer = writer;

        public int ErrorCount { get; private set; }
        public int WarningCount { get; private set; }

        public void Error(string path, int line, string message)
        {
            ErrorCount++;
            _writer.WriteLine($"{path}({Math.Max(1, line)}): error: {message}");
        }

        public void Warning(string path, int line, string message)
        {
            WarningCount++;
            _writer.WriteLine($"{path}({Math.Max(1, line)}): warning: {message}");
        }
    }
}
