using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Engine.Events
{
    /// <summary>Builds <see cref="NpmReleaseGate"/> from what the registry answered, and sums gates up.</summary>
    public static class ReleaseGateBuilder
    {
        /// <param name="trust">The package's trust configurations; null when they could not be read.</param>
        /// <param name="staged">Its staged versions; null when they could not be listed.</param>
        public static NpmReleaseGate Build(string package, string registry, NpmPackument? packument, IReadOnlyList<NpmTrustedPublisher>? trust,
            IReadOnlyList<NpmStagedPackage>? staged, int days, DateTimeOffset now, IEnumerable<string>? problems = null)
        {
            var gate = new NpmReleaseGate { Package = package, Registry = registry, Days = days };
            var releases = packument?.Releases ?? Array.Empty<NpmPackageRelease>();
            if (trust != null)
            {
                gate.TrustedPublisher = trust.Count > 0;
                gate.StageOnly = trust.Count > 0 ? trust.All(t => t.AllowsStagePublish == true && !t.AllowsDirectPublish) : (bool?)null;
                gate.TrustedPublisherProviders = trust.Select(t => t.Provider).Distinct(StringComparer.Ordinal).ToArray();
            }
            gate.StagedPublishingAdopted = releases.Any(r => r.IsStaged);
            gate.LastStagedRelease = releases.Where(r => r.IsStaged && r.PublishedAt.HasValue).Select(r => r.PublishedAt).DefaultIfEmpty().Max();
            var since = now.AddDays(-days);
            var recent = releases.Where(r => r.PublishedAt is DateTimeOffset t && t >= since).ToList();
            gate.RecentReleases = recent.Count;
            foreach (var group in recent.GroupBy(r => r.ReleasePath.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal)) gate.ReleasesByPath[group.Key] = group.Count();
            gate.UngatedReleases = recent.Count(r => r.ReleasePath != NpmReleasePath.StagedApproved);
            if (staged != null)
            {
                gate.StagedWaiting = staged.Count;
                gate.OldestStagedAge = staged.Where(s => s.StagedAt.HasValue).Select(s => (TimeSpan?)(now - s.StagedAt!.Value)).DefaultIfEmpty().Max();
            }
            if (packument != null && recent.Count > 0)
            {
                var findings = new PackageReleaseAnalyzer().Analyze(new NpmReleaseAuditInput
                {
                    Package = package, Registry = registry, History = releases, Selected = recent, RegistrySigns = null,
                }).Where(f => f.Status == NpmFindingStatus.Fail || f.Status == NpmFindingStatus.Warning).ToArray();
                gate.Findings = findings;
                gate.OpenFindings = findings.Length;
            }
            gate.Score = Score(gate);
            gate.Problems = (problems ?? Array.Empty<string>()).ToArray();
            return gate;
        }

        /// <summary>40 stage-only trusted publisher (20 if one may publish directly) + 30 adopted staging + 30 × the staged share of recent versions (none recent: the 30 of adoption again).</summary>
        public static int Score(NpmReleaseGate gate)
        {
            double score = gate.TrustedPublisher == true ? (gate.StageOnly == true ? 40 : 20) : 0;
            if (gate.StagedPublishingAdopted) score += 30;
            score += gate.RecentReleases > 0 ? 30.0 * (gate.RecentReleases - gate.UngatedReleases) / gate.RecentReleases : (gate.StagedPublishingAdopted ? 30 : 0);
            return (int)Math.Round(score, MidpointRounding.AwayFromZero);
        }

        public static NpmReleaseGateSummary Summarize(IReadOnlyCollection<NpmReleaseGate> gates)
        {
            var notGated = gates.Where(g => !(g.StageOnly == true && g.UngatedReleases == 0)).Select(g => g.Package).ToArray();
            var s = new NpmReleaseGateSummary
            {
                Packages = gates.Count,
                WithTrustedPublisher = gates.Count(g => g.TrustedPublisher == true),
                StageOnly = gates.Count(g => g.StageOnly == true),
                StagedPublishingAdopted = gates.Count(g => g.StagedPublishingAdopted),
                FullyGated = gates.Count - notGated.Length,
                RecentReleases = gates.Sum(g => g.RecentReleases),
                UngatedReleases = gates.Sum(g => g.UngatedReleases),
                StagedWaiting = gates.Sum(g => g.StagedWaiting),
                OldestStagedAge = gates.Select(g => g.OldestStagedAge).DefaultIfEmpty().Max(),
                OpenFindings = gates.Sum(g => g.OpenFindings),
                Score = gates.Count == 0 ? 0 : (int)Math.Round(gates.Average(g => (double)g.Score), MidpointRounding.AwayFromZero),
                NotGated = notGated,
            };
            s.Message = $"{s.FullyGated} of {s.Packages} package(s) fully gated (stage-only trusted publishing, every version of the period staged); " +
                        $"{s.UngatedReleases} of {s.RecentReleases} recent version(s) skipped staging; {s.StagedWaiting} staged version(s) waiting; score {s.Score}/100.";
            return s;
        }
    }
}
