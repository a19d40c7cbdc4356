using System;

namespace NpmHardening
{
    /// <summary>
    /// One risk signal of a lockfile change as a finding of the lockfile comparison rules (NPMH15050–NPMH15099,
    /// Compare-NpmLockfile -Audit): the rule decides title and default severity, <see cref="NpmFinding.Message"/> is the
    /// reason, and the fields say which package changed and where it sits in the dependency tree.
    /// </summary>
    public sealed class NpmLockfileChangeFinding : NpmFinding
    {
        public string Package { get; set; } = "";
        /// <summary>The version in the new lockfile; null when the package was removed.</summary>
        public string? Version { get; set; }
        /// <summary>The version in the reference lockfile; null when the package was added.</summary>
        public string? ReferenceVersion { get; set; }
        public NpmLockfileChangeKind Change { get; set; }
        /// <summary>The entry's key in the lockfile (<c>node_modules/a/node_modules/b</c>).</summary>
        public string PackagePath { get; set; } = "";
        /// <summary>The package's resolved URL in the new lockfile (the reference's when removed), without user info or query.</summary>
        public string? Resolved { get; set; }
        /// <summary>Only needed for development (<c>dev</c> or <c>devOptional</c>).</summary>
        public bool Dev { get; set; }
        public bool Direct { get; set; }
        /// <summary>The direct dependencies that pull the package in (at most 10).</summary>
        public string[] Via { get; set; } = Array.Empty<string>();
        /// <summary>One shortest chain from a direct dependency to the package.</summary>
        public string? Chain { get; set; }

        public override string ToString() => $"{RuleId} {Severity} {Change} {Package}@{Version ?? ReferenceVersion}: {Message}";
    }
}
