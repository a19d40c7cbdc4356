using System;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// How much of a lockfile the reader accepts. A lockfile is hostile input (it arrives in pull requests).
    /// </summary>
    /// <remarks>
    /// <see cref="MaxBytes"/> is 256 MiB: the largest public lockfiles are tens of megabytes (a 10,000-package v3
    /// lockfile is about 4 MB), and the reader keeps roughly the file's size in memory, so 256 MiB stays within what a
    /// build agent has while refusing a 1 GB file before reading a byte. <see cref="MaxDepth"/> is 256 nested
    /// objects and arrays: a v1 tree spends two levels per level of node_modules, and real trees stay under 40.
    /// </remarks>
    public sealed class NpmLockfileLimits
    {
        public const long DefaultMaxBytes = 256L << 20;
        public const int DefaultMaxDepth = 256;

        /// <summary>Largest file read, in bytes; a larger one is refused with <see cref="NpmLockfileErrorKind.TooLarge"/>.</summary>
        public long MaxBytes { get; set; } = DefaultMaxBytes;
        /// <summary>Deepest nesting of JSON objects and arrays.</summary>
        public int MaxDepth { get; set; } = DefaultMaxDepth;

        /// <summary>The defaults (a new object: callers may change it).</summary>
        public static NpmLockfileLimits Default => new NpmLockfileLimits();

        internal void Validate()
        {
            if (MaxBytes < 1 || MaxDepth < 2)
                throw new ArgumentOutOfRangeException(nameof(NpmLockfileLimits), "MaxBytes must be positive and MaxDepth at least 2.");
        }
    }
}
