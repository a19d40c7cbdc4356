using System;
using System.Collections.Generic;

namespace NpmHardening
{
    /// <summary>
    /// One installed package that differs between two lockfiles (Compare-NpmLockfile): what changed, where it sits in the
    /// dependency tree and which direct dependencies pull it in, and the risk signals a reviewer should read, each with
    /// its rule and reason. Plain settable properties; resolved URLs are shown without user info or query.
    /// </summary>
    public sealed class NpmLockfileChange
    {
        public NpmLockfileChangeKind Change { get; set; }
        /// <summary>The package name (the entry's own name for an npm: alias, else the folder's).</summary>
        public string Name { get; set; } = "";
        /// <summary>The version in the reference lockfile; null when Added.</summary>
        public string? Before { get; set; }
        /// <summary>The version in the new lockfile; null when Removed.</summary>
        public string? After { get; set; }
        /// <summary>The entry's key in the new lockfile (<c>node_modules/a/node_modules/b</c>); the reference's when Removed.</summary>
        public string PackagePath { get; set; } = "";
        /// <summary>The entry's key in the reference lockfile when it differs from <see cref="PackagePath"/> (the package moved in the tree).</summary>
        public string? ReferencePackagePath { get; set; }
        /// <summary>A dependency the project (or one of its workspaces) names itself, rather than one another package pulls in.</summary>
        public bool Direct { get; set; }
        /// <summary>The direct dependencies that pull the package in (itself when direct), at most 10; see <see cref="ViaCount"/>.</summary>
        public string[] Via { get; set; } = Array.Empty<string>();
        /// <summary>How many direct dependencies pull the package in (may exceed the names listed in <see cref="Via"/>).</summary>
        public int ViaCount { get; set; }
        /// <summary>One shortest chain from a direct dependency down to the package (<c>express &gt; body-parser &gt; qs</c>); null when nothing in the project reaches it.</summary>
        public string? Chain { get; set; }
        /// <summary>Installed only for development (npm's <c>dev</c> or <c>devOptional</c> flag).</summary>
        public bool Dev { get; set; }
        /// <summary>Marked optional in the lockfile.</summary>
        public bool Optional { get; set; }
        /// <summary>The highest severity among the risk signals; Info when there is none.</summary>
        public NpmSeverity Risk { get; set; }
        /// <summary>The rules of the risk signals (NPMH15050…), riskiest first.</summary>
        public string[] RuleIds { get; set; } = Array.Empty<string>();
        /// <summary>One sentence per risk signal, in the order of <see cref="RuleIds"/>.</summary>
        public string[] Reasons { get; set; } = Array.Empty<string>();
        public string? ResolvedBefore { get; set; }
        public string? ResolvedAfter { get; set; }
        public string? IntegrityBefore { get; set; }
        public string? IntegrityAfter { get; set; }
        /// <summary>The new lockfile (a path); for Removed still the new lockfile, the one under review.</summary>
        public string Path { get; set; } = "";
        /// <summary>1-based line of the entry in the new lockfile (in the reference when Removed); null when unknown.</summary>
        public int? Line { get; set; }
        /// <summary>The reference lockfile: a path, or <c>&lt;ref&gt;:&lt;path&gt;</c> for -Base.</summary>
        public string ReferencePath { get; set; } = "";

        /// <summary>The signals, for the findings of -Audit; not serialized (not public).</summary>
        internal List<Engine.Lockfiles.LockfileSignal> Signals { get; } = new List<Engine.Lockfiles.LockfileSignal>();

        public override string ToString() =>
            $"{Change} {Name} {Before ?? ""}{(Before != null && After != null ? " -> " : "")}{After ?? ""}" + (RuleIds.Length > 0 ? $" [{Risk}: {string.Join(", ", RuleIds)}]" : "");
    }
}
