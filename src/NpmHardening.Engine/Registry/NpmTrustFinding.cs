namespace NpmHardening
{
    /// <summary>
    /// A trusted publishing rule (NPMH13xxx, Get-NpmTrustedPublisher -Audit) judged for one package's configuration: the
    /// <see cref="NpmFinding"/> every audit shares, plus the configuration's fields under the names Set-NpmTrustedPublisher
    /// binds from the pipeline, so <c>… -Audit | Where-Object RuleId -eq NPMH13001 | Set-NpmTrustedPublisher</c> re-creates
    /// the same publisher with the permissions asked for.
    /// </summary>
    public sealed class NpmTrustFinding : NpmFinding
    {
        public string Package { get; set; } = "";
        /// <summary>GitHub, GitLab, CircleCI, Buildkite; null when the package has no trusted publisher.</summary>
        public string? Provider { get; set; }
        public string? Repository { get; set; }
        public string? WorkflowFile { get; set; }
        public string? Environment { get; set; }
        public string? OrgId { get; set; }
        public string? ProjectId { get; set; }
        public string? PipelineDefinitionId { get; set; }
        public string? VcsOrigin { get; set; }
        public string[]? ContextId { get; set; }
        public string? Organization { get; set; }
        public string? Pipeline { get; set; }
        public string? ConfigId { get; set; }
        /// <summary>permissions[] as the registry states it; null for a legacy configuration.</summary>
        public string[]? Permissions { get; set; }
        public string Registry { get; set; } = "";

        public override string ToString() => $"{RuleId} {Status} {Package}: {Title}";
    }
}
