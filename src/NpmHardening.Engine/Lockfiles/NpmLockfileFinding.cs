namespace NpmHardening
{
    /// <summary>
    /// A finding of a lockfile rule (NPMH15xxx, Test-NpmLockfile): one entry of one package-lock.json or
    /// npm-shrinkwrap.json, located at the entry's line. A source URL is shown without any user name, password or
    /// query string.
    /// </summary>
    public sealed class NpmLockfileFinding : NpmFinding
    {
        /// <summary>The package name (an alias's real package; see <see cref="PackagePath"/> for where it is installed).</summary>
        public string? Package { get; set; }
        public string? Version { get; set; }
        /// <summary>The entry's key in the lockfile: <c>node_modules/a/node_modules/b</c>; empty for a finding about the whole file.</summary>
        public string? PackagePath { get; set; }
        /// <summary>The entry's source (resolved URL, git spec or link target), redacted.</summary>
        public string? Resolved { get; set; }
        /// <summary>The popular package a typosquat candidate imitates, the allowed hosts of a host finding, the scope's registry of a confusion finding.</summary>
        public string? Expected { get; set; }
        /// <summary>Only needed for development (<c>dev</c> or <c>devOptional</c>).</summary>
        public bool Dev { get; set; }
    }
}
