using System;
using System.Threading;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>What a comparison is told besides the two entry lists.</summary>
    internal sealed class LockfileCompareOptions
    {
        /// <summary>The new lockfile as shown on changes.</summary>
        public string Path { get; set; } = "";
        /// <summary>The reference as shown on changes: a path, or <c>&lt;ref&gt;:&lt;path&gt;</c>.</summary>
        public string ReferencePath { get; set; } = "";
        /// <summary>For a name new to the lockfile: the popular package it is one or two edits from, or null.</summary>
        public Func<string, string?>? Typosquat { get; set; }
        /// <summary>Work the placement of one lockfile's changes may spend (word operations; see <see cref="LockfileGraph"/>).</summary>
        public long VisitBudget { get; set; } = 64_000_000;
        public CancellationToken CancellationToken { get; set; }
    }
}
