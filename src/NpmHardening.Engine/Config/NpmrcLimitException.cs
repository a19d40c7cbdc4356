using System;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// A config source beyond <see cref="NpmrcLimits"/>: thrown while it is parsed or expanded, caught where the source is
    /// loaded and reported there as an error naming the file. The message never quotes the content.
    /// </summary>
    public sealed class NpmrcLimitException : Exception
    {
        public NpmrcLimitException(NpmrcLimit limit, int? line, string message) : base(message)
        {
            Limit = limit;
            Line = line;
        }

        public NpmrcLimit Limit { get; }
        /// <summary>The 1-based line where the limit was crossed, when there is one.</summary>
        public int? Line { get; }
    }
}
