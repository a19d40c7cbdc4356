using System;
using System.Globalization;

namespace NpmHardening
{
    /// <summary>
    /// A policy file that cannot be used: not a data file, an unknown key, an unknown rule id, an exception without
    /// justification, a date that is not yyyy-MM-dd. The message names the file and the line; <see cref="ErrorId"/> is
    /// stable (PolicyParseError, PolicyNotData, PolicyUnknownKey, PolicyInvalidValue, PolicyUnknownRule,
    /// PolicyMissingJustification, PolicyInvalidDate, PolicyFileNotFound).
    /// </summary>
    public sealed class NpmPolicyFileException : Exception
    {
        // the problem may quote the file, and a file can hold a pasted token by mistake: token shapes and URL passwords are redacted
        public NpmPolicyFileException(string errorId, string path, int line, string problem)
            : base($"{path}:{line.ToString(CultureInfo.InvariantCulture)}: {Engine.Rules.SecretScrubber.RedactInline(problem)}")
        {
            ErrorId = errorId; Path = path; Line = line; Problem = Engine.Rules.SecretScrubber.RedactInline(problem);
        }

        public string ErrorId { get; }
        public string Path { get; }
        /// <summary>1-based line of the offending value (1 when the whole file is at fault).</summary>
        public int Line { get; }
        /// <summary>What is wrong, without the file and line.</summary>
        public string Problem { get; }
    }
}
