using System;

namespace NpmHardening
{
    /// <summary>
    /// How much of a package tarball the reader is willing to look at. A tarball is hostile input: past any of these
    /// bounds the reader stops (or, for a single path or extended header, skips) and the comparison reports the bound
    /// as a change of its own (NPMH12026) instead of expanding further.
    /// </summary>
    /// <remarks>
    /// Defaults and why: <see cref="MaxCompressionRatio"/> 1000 and <see cref="MaxPaxHeaderBytes"/> 1 MiB are the
    /// limits npm's own tar reader applies (node-tar's <c>maxDecompressionRatio</c> and <c>maxMetaEntrySize</c>, read in
    /// npm 11.19.1's node_modules/tar): a tarball past them is one npm itself refuses or mangles. The others are far
    /// above what real packages ship and low enough that one review reads at most 1 GiB through gzip:
    /// 100,000 entries, 256 MiB per file, 1 GiB unpacked in total, 4,096 characters per path (Linux's PATH_MAX).
    /// </remarks>
    public sealed class NpmTarballLimits
    {
        /// <summary>Entries of any kind except extended headers.</summary>
        public int MaxEntries { get; set; } = 100_000;
        /// <summary>Unpacked bytes of the whole tar stream (headers, padding and data).</summary>
        public long MaxUnpackedBytes { get; set; } = 1L << 30;
        /// <summary>Declared size of one entry.</summary>
        public long MaxEntryBytes { get; set; } = 256L << 20;
        /// <summary>Unpacked bytes per compressed byte read so far.</summary>
        public double MaxCompressionRatio { get; set; } = 1000;
        /// <summary>Characters of one entry's path (after pax/GNU long names).</summary>
        public int MaxPathLength { get; set; } = 4096;
        /// <summary>Bytes of one pax extended header or GNU long-name entry.</summary>
        public int MaxPaxHeaderBytes { get; set; } = 1 << 20;
        /// <summary>Bytes of package.json kept and parsed (npm's manifests are a few kilobytes).</summary>
        public int MaxManifestBytes { get; set; } = 1 << 20;
        /// <summary>Bytes of one JavaScript file scanned for primitives and obfuscation; a larger file is hashed only.</summary>
        public long MaxScannedFileBytes { get; set; } = 32L << 20;

        /// <summary>The defaults (a new object: callers may change it).</summary>
        public static NpmTarballLimits Default => new NpmTarballLimits();

        internal void Validate()
        {
            if (MaxEntries < 1 || MaxUnpackedBytes < 1024 || MaxEntryBytes < 0 || MaxCompressionRatio < 1 || MaxPathLength < 1 ||
                MaxPaxHeaderBytes < 1 || MaxManifestBytes < 1 || MaxScannedFileBytes < 0)
                throw new ArgumentOutOfRangeException(nameof(NpmTarballLimits), "Every tarball limit must be positive (MaxUnpackedBytes at least 1024, MaxCompressionRatio at least 1).");
        }
    }
}
