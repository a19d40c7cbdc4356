using System;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The one exception the lockfile reader throws: the file, and where reading stopped. The message names the file
    /// and the line and says what to do; it never quotes the file's content beyond a conflict marker's character.
    /// </summary>
    public sealed class NpmLockfileException : Exception
    {
        public NpmLockfileException(NpmLockfileErrorKind kind, string path, int? line, int? column, string message, Exception? inner = null)
            : base(message, inner)
        {
            Kind = kind;
            Path = path;
            Line = line;
            Column = column;
        }

        public NpmLockfileErrorKind Kind { get; }
        /// <summary>The lockfile.</summary>
        public string Path { get; }
        /// <summary>1-based line where reading stopped; null when nothing was read (too large, unreadable).</summary>
        public int? Line { get; }
        /// <summary>1-based column, in bytes.</summary>
        public int? Column { get; }
    }
}
