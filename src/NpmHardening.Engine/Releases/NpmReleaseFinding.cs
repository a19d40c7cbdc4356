using System;
using NpmHardening.Engine.Releases;

namespace NpmHardening
{
    /// <summary>
    /// A release rule (NPMH140xx, Get-NpmPackageRelease -Audit) judged for one version, or for a whole package when it
    /// passes: the <see cref="NpmFinding"/> every audit shares, plus the version's facts the rule compared.
    /// </summary>
    public sealed class NpmReleaseFinding : NpmFinding
    {
        public string Package { get; set; } = "";
        /// <summary>The version judged; null for a finding about the whole package (a Pass or NotApplicable).</summary>
        public string? Version { get; set; }
        /// <summary>The earlier version the rule compared with (the previous one on the line, or where staging began).</summary>
        public string? PreviousVersion { get; set; }
        public DateTimeOffset? PublishedAt { get; set; }
        public string? Publisher { get; set; }
        public string? Approver { get; set; }
        public NpmReleasePath? ReleasePath { get; set; }
        public NpmRegistrySignatureStatus? RegistrySignature { get; set; }
        public string Registry { get; set; } = "";

        public override string ToString() => $"{RuleId} {Status} {Package}{(Version != null ? "@" + Version : "")}: {Title}";
    }
}
