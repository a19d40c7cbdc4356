using System;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// A wildcard pattern PowerShell would refuse (a class left open, a range that runs backwards): the module refuses
    /// it the same way rather than guess what it was meant to match.
    /// </summary>
    public sealed class NpmWildcardPatternException : ArgumentException
    {
        public NpmWildcardPatternException(string pattern, string problem)
            : base($"The wildcard pattern '{pattern}' is not valid: {problem}. Escape a literal [ or ] with a backtick (`[).")
        {
            Pattern = pattern;
        }

        public string Pattern { get; }
    }
}
