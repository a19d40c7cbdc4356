namespace NpmHardening
{
    /// <summary>What happened between the reference version and the staged one.</summary>
    public enum NpmPackageChangeKind
    {
        /// <summary>New in the staged version (everything, when there is no reference).</summary>
        Added,
        /// <summary>In the reference version, gone from the staged one.</summary>
        Removed,
        /// <summary>In both, different.</summary>
        Changed,
        /// <summary>A property of the staged tarball itself (a tar trick, a bound, a read error), not a difference.</summary>
        Found,
    }
}
