namespace NpmHardening
{
    /// <summary>
    /// How bad a failed rule is. Ascending, so the natural comparisons read right: <c>Sort-Object Severity
    /// -Descending</c> puts Critical first and <c>Where-Object Severity -ge High</c> keeps High and Critical.
    /// </summary>
    public enum NpmSeverity { Info = 0, Low = 1, Medium = 2, High = 3, Critical = 4 }

    /// <summary>The outcome of one rule for one context. Suppressed: a policy exception covers a Fail, Warning or Error (see <see cref="NpmFinding.Suppression"/>).</summary>
    public enum NpmFindingStatus { Pass, Fail, Warning, NotApplicable, Error, Suppressed }

    /// <summary>A named set of expectations: what "hardened" means for a kind of machine.</summary>
    public enum NpmBaseline
    {
        /// <summary>Developer workstations: safe defaults that do not stop normal work.</summary>
        Recommended,
        /// <summary>High-assurance machines: every install-time control on.</summary>
        Strict,
        /// <summary>Build agents and CI runners: no install scripts, reproducible installs.</summary>
        CI,
    }

    /// <summary>
    /// One rule evaluated for one context. The shape every audit of the module shares (posture, tokens,
    /// pipelines, releases), so reports and remediation consume one type.
    /// </summary>
    public sealed class NpmSecurityFinding
    {
        /// <summary>Stable rule id (NPMH1001…); never reused for another meaning.</summary>
        public string RuleId { get; set; } = "";
        public string Title { get; set; } = "";
        public NpmSeverity Severity { get; set; }
        public NpmFindingStatus Status { get; set; }
        /// <summary>The npm config key, environment variable or file the finding is about.</summary>
        public string? Setting { get; set; }
        /// <summary>What was found (redacted when it is a credential).</summary>
        public string? Actual { get; set; }
        /// <summary>What the baseline expects.</summary>
        public string? Expected { get; set; }
        /// <summary>The config layer that decides the value (Default, Builtin, Global, User, Project, Env, Cli).</summary>
        public string? Layer { get; set; }
        /// <summary>"path:line", an environment variable name, or "default".</summary>
        public string? Source { get; set; }
        /// <summary>What was audited: the user profile or project folder.</summary>
        public string? Context { get; set; }
        /// <summary>One sentence: why this status.</summary>
        public string? Message { get; set; }
        /// <summary>The exact command that fixes it (Set-NpmHardening or npm).</summary>
        public string? Remediation { get; set; }
        public string? Reference { get; set; }
        public string? Baseline { get; set; }
        // i9-policy: until this type derives from NpmFinding (helper "core"), the same property as NpmFinding.Suppression; drop it at the merge.
        /// <summary>Set when a policy exception covers the finding (its status is then Suppressed).</summary>
        public NpmFindingSuppression? Suppression { get; set; }

        public override string ToString() => $"{RuleId} {Status} {Title}" + (Setting != null ? $" [{Setting}={Actual}]" : "");
    }
}
