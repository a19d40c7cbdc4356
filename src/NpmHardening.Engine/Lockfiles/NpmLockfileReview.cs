using System;

namespace NpmHardening
{
    /// <summary>
    /// The verdict of one lockfile comparison (Compare-NpmLockfile -Summary): counts of changes by kind and of risk signals
    /// by severity and rule, the highest risk, and one line a CI log shows. A pipeline fails on it with
    /// <c>if ($review.Risk -ge 'High') { exit 1 }</c>.
    /// </summary>
    public sealed class NpmLockfileReview
    {
        /// <summary>One line: the risk, the counts, and the riskiest reason.</summary>
        public string Verdict { get; set; } = "";
        /// <summary>The highest severity among the risk signals (suppressed ones aside); Info when there is none.</summary>
        public NpmSeverity Risk { get; set; }
        /// <summary>The new lockfile.</summary>
        public string Path { get; set; } = "";
        /// <summary>The reference lockfile: a path, or <c>&lt;ref&gt;:&lt;path&gt;</c> for -Base.</summary>
        public string ReferencePath { get; set; } = "";
        /// <summary>The commit -Base resolved to; null for two files.</summary>
        public string? BaseCommit { get; set; }
        public int Packages { get; set; }
        public int ReferencePackages { get; set; }
        public int Added { get; set; }
        public int Removed { get; set; }
        public int Upgraded { get; set; }
        public int Downgraded { get; set; }
        public int Changed { get; set; }
        /// <summary>Risk signals counted (not suppressed).</summary>
        public int Signals { get; set; }
        public int Critical { get; set; }
        public int High { get; set; }
        public int Medium { get; set; }
        public int Low { get; set; }
        /// <summary>Signals a policy exception covers (-Policy): counted here, not in the risk.</summary>
        public int Suppressed { get; set; }
        /// <summary>"NPMH15050=1"-style counts per rule, in rule order.</summary>
        public string[] RuleCounts { get; set; } = Array.Empty<string>();
        /// <summary>The riskiest signals (at most 10) as "rule: reason", riskiest first.</summary>
        public string[] TopReasons { get; set; } = Array.Empty<string>();
        /// <summary>False when the placement reached its bound (the Via of some changes may be partial).</summary>
        public bool Complete { get; set; } = true;
        public string ComputerName { get; set; } = "";

        public override string ToString() => Verdict;
    }
}
