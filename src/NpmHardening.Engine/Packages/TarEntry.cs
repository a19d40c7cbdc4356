namespace NpmHardening.Engine.Packages
{
    /// <summary>The kinds of tar entry, named as npm's tar reader (node-tar) names them.</summary>
    internal enum TarEntryKind { File, OldFile, ContiguousFile, Link, SymbolicLink, CharacterDevice, BlockDevice, Directory, Fifo, GnuDumpDir, Unknown }

    /// <summary>One entry of a tar stream, after pax and GNU long-name headers are applied.</summary>
    internal sealed class TarEntry
    {
        public TarEntry(string path, TarEntryKind kind, char typeFlag, long size, int mode, string? linkPath, bool pathCut)
        {
            Path = path; Kind = kind; TypeFlag = typeFlag; Size = size; Mode = mode; LinkPath = linkPath; PathCut = pathCut;
        }

        /// <summary>The path as written (pax <c>path</c>, GNU long name, or ustar prefix + name), cut at the path bound.</summary>
        public string Path { get; }
        public TarEntryKind Kind { get; }
        public char TypeFlag { get; }
        /// <summary>Declared data size in bytes.</summary>
        public long Size { get; }
        /// <summary>Permission bits (mode &amp; 07777).</summary>
        public int Mode { get; }
        public string? LinkPath { get; }
        /// <summary>The path was longer than the bound and is cut.</summary>
        public bool PathCut { get; }

        /// <summary>Regular file data as npm extracts it (node-tar's types ending in "File").</summary>
        public bool IsFile => Kind == TarEntryKind.File || Kind == TarEntryKind.OldFile || Kind == TarEntryKind.ContiguousFile;

        /// <summary>What <c>npm diff</c> reads: only node-tar's type "File" ('0').</summary>
        public bool IsDiffFile => Kind == TarEntryKind.File;
    }

    /// <summary>Which bound of <see cref="NpmTarballLimits"/> a tarball reached.</summary>
    public enum NpmTarballBound { Entries, UnpackedBytes, EntryBytes, CompressionRatio, PathLength, PaxHeaderBytes }

    /// <summary>A bound the reader reached: what, the limit, what it saw, and the entry when one is to blame.</summary>
    internal sealed class TarballBoundHit
    {
        public TarballBoundHit(NpmTarballBound bound, double limit, double actual, string? path, bool stopped)
        {
            Bound = bound; Limit = limit; Actual = actual; Path = path; Stopped = stopped;
        }

        public NpmTarballBound Bound { get; }
        public double Limit { get; }
        public double Actual { get; }
        public string? Path { get; }
        /// <summary>Reading stopped here (false: one header or path was skipped and reading went on).</summary>
        public bool Stopped { get; }
    }
}
