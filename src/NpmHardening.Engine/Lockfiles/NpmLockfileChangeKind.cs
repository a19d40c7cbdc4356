namespace NpmHardening
{
    /// <summary>What happened to one installed package (one lockfile entry) between the reference lockfile and the new one.</summary>
    public enum NpmLockfileChangeKind
    {
        /// <summary>Only in the new lockfile.</summary>
        Added,
        /// <summary>Only in the reference lockfile.</summary>
        Removed,
        /// <summary>A higher version (semver order) than in the reference.</summary>
        Upgraded,
        /// <summary>A lower version (semver order) than in the reference.</summary>
        Downgraded,
        /// <summary>The same version, with something else different: integrity, resolved URL, install script, flags, or a version that is not semver.</summary>
        Changed,
    }
}
