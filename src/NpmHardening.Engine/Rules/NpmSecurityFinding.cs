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
    /// One posture rule evaluated for one context (Get-NpmSecurityPosture, and the online account and token rules of
    /// Get-NpmAccount and Get-NpmAccessToken): the <see cref="NpmFinding"/> every audit shares, plus the config
    /// setting it judged, the value found, the value expected and the layer that decided it.
    /// </summary>
    public sealed class NpmSecurityFinding : NpmFinding
    {
        /// <summary>The npm config key, environment variable or file the finding is about.</summary>
        public string? Setting { get; set; }
        /// <summary>What was found (redacted when it is a credential).</summary>
        public string? Actual { get; set; }
        /// <summary>What the baseline expects.</summary>
        public string? Expected { get; set; }
        /// <summary>The config layer that decides the value (Default, Builtin, Global, User, Project, Env, Cli).</summary>
        public string? Layer { get; set; }
        public string? Baseline { get; set; }

        public override string ToString() => $"{RuleId} {Status} {Title}" + (Setting != null ? $" [{Setting}={Actual}]" : "");
    }
}
