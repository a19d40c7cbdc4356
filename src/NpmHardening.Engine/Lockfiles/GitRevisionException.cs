using System;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>Why an earlier version of a file could not be read from git.</summary>
    internal enum GitRevisionProblem
    {
        /// <summary>git is not installed or not on PATH.</summary>
        GitNotFound,
        /// <summary>The file's folder is not inside a git work tree.</summary>
        NotARepository,
        /// <summary>The revision text is refused before git sees it (starts with '-', control characters, ':').</summary>
        InvalidRevision,
        /// <summary>git does not know the revision, or it names no commit.</summary>
        RevisionNotFound,
        /// <summary>The revision has no file at that path (or it is not a file).</summary>
        PathNotInRevision,
        /// <summary>The file at that revision is above the size limit.</summary>
        TooLarge,
        /// <summary>git failed or ran too long.</summary>
        Failed,
    }

    /// <summary>A failure to read a file's earlier version from git, with the kind a cmdlet turns into a stable ErrorId.</summary>
    internal sealed class GitRevisionException : Exception
    {
        public GitRevisionException(GitRevisionProblem problem, string message, Exception? inner = null) : base(message, inner) { Problem = problem; }

        public GitRevisionProblem Problem { get; }
    }
}
