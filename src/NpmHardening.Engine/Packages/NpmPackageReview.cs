using System;

namespace NpmHardening
{
    /// <summary>
    /// The verdict of one comparison (Compare-NpmStagedPackage -Summary): the highest risk, counts of files and of
    /// changes per risk and per rule, and the reasons a reviewer should read first. For a human before approving, or a
    /// runbook's gate (<c>if ($review.Risk -ge 'High')</c>).
    /// </summary>
    public sealed class NpmPackageReview
    {
        public string? Package { get; set; }
        public string? Version { get; set; }
        public string? ReferenceVersion { get; set; }
        /// <summary>The highest severity among the changes; Info when nothing but plain file changes.</summary>
        public NpmSeverity Risk { get; set; }
        /// <summary>The staged tarball (a path, or the stage id / URL it came from).</summary>
        public string Path { get; set; } = "";
        /// <summary>The reference tarball; null when there is none.</summary>
        public string? ReferencePath { get; set; }
        public int FilesAdded { get; set; }
        public int FilesRemoved { get; set; }
        public int FilesChanged { get; set; }
        public int Critical { get; set; }
        public int High { get; set; }
        public int Medium { get; set; }
        public int Low { get; set; }
        public int Info { get; set; }
        /// <summary>Changes a policy exception covers (-Policy): written as Suppressed, counted here, not in the risk.</summary>
        public int Suppressed { get; set; }
        /// <summary>"NPMH12017=2"-style counts per rule, rule order.</summary>
        public string[] RuleCounts { get; set; } = Array.Empty<string>();
        /// <summary>The messages of the riskiest changes (at most 10), riskiest first.</summary>
        public string[] TopReasons { get; set; } = Array.Empty<string>();
        /// <summary>Both tarballs were read to their end (no bound reached, no read error).</summary>
        public bool Complete { get; set; }
        /// <summary>The staged tarball's sha512 integrity as npm writes it in dist.integrity; null unless read to the end.</summary>
        public string? Integrity { get; set; }
        /// <summary>The staged tarball's sha1 (npm's dist.shasum and the staged item's shasum); null unless read to the end.</summary>
        public string? Shasum { get; set; }
        public string ComputerName { get; set; } = "";

        public override string ToString() => $"{Package}@{Version} vs {ReferenceVersion ?? "(none)"}: {Risk}";
    }
}
