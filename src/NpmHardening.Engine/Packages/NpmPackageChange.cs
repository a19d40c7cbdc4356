namespace NpmHardening
{
    /// <summary>
    /// One difference between a staged package tarball and its reference version (Compare-NpmStagedPackage), or one
    /// property of the staged tarball a reviewer must see: a finding of a review rule (NPMH12xxx), so its title and
    /// default severity (the risk) come from the catalog and it goes to Export-NpmHardeningReport like any finding.
    /// <see cref="NpmFinding.Message"/> is the plain reason. Plain settable properties, no file content.
    /// </summary>
    public sealed class NpmPackageChange : NpmFinding
    {
        /// <summary>The staged package's name (from its package.json; the reference's when the staged one has none).</summary>
        public string? Package { get; set; }
        /// <summary>The staged version.</summary>
        public string? Version { get; set; }
        /// <summary>The reference version; null when there is none (a first version: everything is Added).</summary>
        public string? ReferenceVersion { get; set; }
        public NpmPackageChangeKind Change { get; set; }
        /// <summary>The file inside the package (npm's path, without the tarball's first folder), or package.json for a manifest change.</summary>
        public string? File { get; set; }
        /// <summary>The package.json field for a manifest change (<c>scripts.postinstall</c>, <c>dependencies.left-pad</c>).</summary>
        public string? Field { get; set; }
        /// <summary>The value in the reference (a script, a version range, a JSON text), cut at 300 characters.</summary>
        public string? Before { get; set; }
        /// <summary>The value in the staged version, cut at 300 characters.</summary>
        public string? After { get; set; }
        /// <summary>File size in the reference, in bytes.</summary>
        public long? SizeBefore { get; set; }
        /// <summary>File size in the staged version, in bytes.</summary>
        public long? SizeAfter { get; set; }
        /// <summary><see cref="SizeAfter"/> minus <see cref="SizeBefore"/> (a missing side counts as 0).</summary>
        public long? SizeDelta { get; set; }

        public override string ToString() => $"{RuleId} {Severity} {Change} {File ?? ""}{(Field != null ? " " + Field : "")}: {Message}";
    }
}
