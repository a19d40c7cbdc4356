using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// A package-lock.json or npm-shrinkwrap.json as the reader models it: the header and every package in file order.
    /// A v2 file is read from its <c>packages</c> section (npm 7+ ignores the v1 copy beside it); a v1 file's
    /// <c>dependencies</c> tree is mapped to the same keys.
    /// </summary>
    public sealed class NpmLockfile
    {
        /// <summary>Full path of the file, as given to the reader.</summary>
        public string Path { get; internal set; } = "";
        /// <summary>1, 2 or 3 (0 when the file does not say; such a file is read as v1).</summary>
        public int LockfileVersion { get; internal set; }
        /// <summary>1-based line of the <c>lockfileVersion</c> key; 1 when the file has none.</summary>
        public int LockfileVersionLine { get; internal set; } = 1;
        /// <summary>The root project's name and version from the top of the file.</summary>
        public string? Name { get; internal set; }
        public string? Version { get; internal set; }
        /// <summary>Whether the entries come from the <c>packages</c> section (v2, v3) or a v1 <c>dependencies</c> tree.</summary>
        public bool FromPackagesSection { get; internal set; }
        /// <summary>Every package in file order (a duplicate key replaces the earlier entry in place).</summary>
        public IReadOnlyList<NpmLockfileEntry> Entries { get; internal set; } = Array.Empty<NpmLockfileEntry>();
        /// <summary>Problems that did not stop the reader (duplicate keys).</summary>
        public IReadOnlyList<NpmLockfileProblem> Problems { get; internal set; } = Array.Empty<NpmLockfileProblem>();
        /// <summary>Size of the file in bytes.</summary>
        public long Length { get; internal set; }
    }
}
