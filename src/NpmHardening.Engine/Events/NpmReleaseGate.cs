using System;
using System.Collections;

namespace NpmHardening
{
    /// <summary>
    /// One package's release gate as Get-NpmReleaseGate reads it from the registry: is there a trusted publisher and is it
    /// stage-only, has the package adopted staged publishing, how did its recent versions reach the registry, what waits
    /// in staging, and how many release findings are open. <see cref="Score"/> sums it up (docs/types/NpmReleaseGate.md).
    /// </summary>
    public sealed class NpmReleaseGate
    {
        public string Package { get; set; } = "";
        public string Registry { get; set; } = "";
        /// <summary>At least one trusted publisher is configured; null when the trust list could not be read.</summary>
        public bool? TrustedPublisher { get; set; }
        /// <summary>Every trusted publisher may only stage (createStagedPackage, not createPackage); null when unknown or none.</summary>
        public bool? StageOnly { get; set; }
        /// <summary>The providers of the trusted publishers (GitHub, GitLab, …).</summary>
        public string[] TrustedPublisherProviders { get; set; } = Array.Empty<string>();
        /// <summary>The registry has no endpoint that reads a package's two-factor policy back (npm access has no get mfa): always Unknown.</summary>
        public string TwoFactorPolicy { get; set; } = "Unknown";
        /// <summary>Some version of the package carries an approver: it has released through staging at least once.</summary>
        public bool StagedPublishingAdopted { get; set; }
        /// <summary>The most recent version released through staging.</summary>
        public DateTimeOffset? LastStagedRelease { get; set; }
        /// <summary>How many days back <see cref="RecentReleases"/> and <see cref="ReleasesByPath"/> count.</summary>
        public int Days { get; set; }
        public int RecentReleases { get; set; }
        /// <summary>Recent versions by release path (StagedApproved, TrustedPublisherDirect, TokenWithProvenance, Token, Unknown → count).</summary>
        public Hashtable ReleasesByPath { get; set; } = new Hashtable(StringComparer.Ordinal);
        /// <summary>Recent versions that did not go through staging.</summary>
        public int UngatedReleases { get; set; }
        public int StagedWaiting { get; set; }
        /// <summary>How long the oldest staged version has waited.</summary>
        public TimeSpan? OldestStagedAge { get; set; }
        /// <summary>Failed or warning findings of the release audit (Get-NpmPackageRelease -Audit's rules, NPMH140xx) on the recent versions; signatures are not judged here.</summary>
        public int OpenFindings { get; set; }
        /// <summary>The findings counted in <see cref="OpenFindings"/>, for Export-NpmHardeningReport.</summary>
        public NpmFinding[] Findings { get; set; } = Array.Empty<NpmFinding>();
        /// <summary>0 to 100: 40 for a stage-only trusted publisher (20 when one may publish directly), 30 for adopted staging, 30 times the share of recent versions that went through staging.</summary>
        public int Score { get; set; }
        /// <summary>What could not be read (the trust list, the staged list), in words.</summary>
        public string[] Problems { get; set; } = Array.Empty<string>();

        public override string ToString() => $"{Package}: {Score}/100";
    }

    /// <summary>Get-NpmReleaseGate -Summary: the organisation's packages in one object.</summary>
    public sealed class NpmReleaseGateSummary
    {
        public int Packages { get; set; }
        public int WithTrustedPublisher { get; set; }
        public int StageOnly { get; set; }
        public int StagedPublishingAdopted { get; set; }
        /// <summary>Packages whose trusted publishing is stage-only and whose recent versions all went through staging.</summary>
        public int FullyGated { get; set; }
        public int RecentReleases { get; set; }
        public int UngatedReleases { get; set; }
        public int StagedWaiting { get; set; }
        public TimeSpan? OldestStagedAge { get; set; }
        public int OpenFindings { get; set; }
        /// <summary>The mean of the packages' scores, rounded (0 with no package).</summary>
        public int Score { get; set; }
        /// <summary>The packages that are not fully gated.</summary>
        public string[] NotGated { get; set; } = Array.Empty<string>();
        public string Message { get; set; } = "";

        public override string ToString() => Message;
    }
}
