namespace NpmHardening
{
    /// <summary>
    /// One reason a machine, user or project is not compliant (<see cref="NpmComplianceResult"/>). Never holds a secret:
    /// messages come from findings and plans, which redact them.
    /// </summary>
    public sealed class NpmComplianceReason
    {
        /// <summary>
        /// What kind of reason: the rule id of a failed posture finding (<c>NPMH2001</c>), or one of <c>Overridden</c>,
        /// <c>PendingChange</c>, <c>NotApplied</c>, <c>NotWritable</c>, <c>NotFixableByConfig</c>, <c>NotEvaluated</c>,
        /// <c>InputRefused</c>, <c>NothingEvaluated</c>. Stable: scripts and DSC reasons may match on it.
        /// </summary>
        public string Code { get; set; } = "";
        /// <summary>The context (profile or project folder) or target the reason is about; null when it is about the whole run.</summary>
        public string? Context { get; set; }
        public string? RuleId { get; set; }
        /// <summary>The npm config key concerned, if any.</summary>
        public string? Setting { get; set; }
        /// <summary>The config layer that decides the value npm uses (Env, Project, User, Global, Builtin, Cli), if known.</summary>
        public string? Layer { get; set; }
        /// <summary>Where that layer sets it: the environment variable, or file:line.</summary>
        public string? Source { get; set; }
        public string Message { get; set; } = "";

        public override string ToString() => Context != null ? $"[{Code}] {Context}: {Message}" : $"[{Code}] {Message}";
    }
}
