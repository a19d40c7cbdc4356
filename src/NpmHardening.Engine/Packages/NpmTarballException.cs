using System;

namespace NpmHardening
{
    /// <summary>Why a tarball could not be read to its end.</summary>
    public enum NpmTarballProblem
    {
        /// <summary>The data is not gzip (npm tarballs always are).</summary>
        NotGzip,
        /// <summary>The gzip stream is corrupt.</summary>
        BadGzip,
        /// <summary>The data ends inside a header or an entry, or before the end-of-archive blocks.</summary>
        Truncated,
        /// <summary>A header block is not a tar header (bad checksum, bad number fields).</summary>
        BadHeader,
        /// <summary>Reading the source failed.</summary>
        ReadFailed,
    }

    /// <summary>
    /// The one exception the tarball reader throws for bad input: a tarball that is not gzip, not tar, truncated or
    /// corrupt. Bounds (a tar or gzip bomb) are not errors: they are reported as changes.
    /// </summary>
    public sealed class NpmTarballException : Exception
    {
        public NpmTarballException(NpmTarballProblem problem, string message, Exception? inner = null) : base(message, inner)
        {
            Problem = problem;
        }

        public NpmTarballProblem Problem { get; }

        /// <summary>Unpacked bytes read before the problem.</summary>
        public long Offset { get; internal set; }
    }
}
