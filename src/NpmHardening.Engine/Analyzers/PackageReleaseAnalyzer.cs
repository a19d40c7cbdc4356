using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The release rules (NPMH140xx, Get-NpmPackageRelease -Audit) over one package's history. One pass in publish order
    /// keeps the baselines (the first approved version, the previous version of each major line, the identities seen,
    /// the last ten publish kinds), and each selected version is judged against what came before it. Versions without a
    /// publish time have no place in that order and are judged only for signatures and provenance. A rule no selected
    /// version fails gives one Pass (or NotApplicable) finding for the package, so a clean package is visible in a report.
    /// </summary>
    public sealed class PackageReleaseAnalyzer : INpmAnalyzer<NpmReleaseAuditInput>
    {
        public const string UnapprovedAfterAdoption = "NPMH14001";
        public const string LostTrustedPublisher = "NPMH14002";
        public const string LostProvenance = "NPMH14003";
        public const string NewPublisher = "NPMH14004";
        public const string UnusualPublisherKind = "NPMH14005";
        public const string InvalidSignature = "NPMH14006";
        public const string MissingSignature = "NPMH14007";
        public const string UnverifiableSignature = "NPMH14008";
        public const string ProvenanceMismatch = "NPMH14009";

        /// <summary>NPMH14005's "normally": this share of the last <see cref="RoutineWindow"/> earlier versions, at least <see cref="RoutineMinimum"/> of them.</summary>
        public const double RoutineShare = 0.8;
        public const int RoutineWindow = 10;
        public const int RoutineMinimum = 3;

        private readonly string _computer;

        public PackageReleaseAnalyzer(IPlatform? platform = null) { _computer = FindingFactory.MachineOf(platform ?? SystemPlatform.Instance); }

        public IReadOnlyCollection<string> RuleIds { get; } = new[]
        {
            UnapprovedAfterAdoption, LostTrustedPublisher, LostProvenance, NewPublisher, UnusualPublisherKind,
            InvalidSignature, MissingSignature, UnverifiableSignature, ProvenanceMismatch,
        };

        public IEnumerable<NpmFinding> Analyze(NpmReleaseAuditInput input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var findings = new List<NpmFinding>();
            if (input.Selected.Count == 0) return findings;
            var selected = new HashSet<NpmPackageRelease>(input.Selected);

            NpmPackageRelease? adoption = null;
            var lines = new Dictionary<int, NpmPackageRelease>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var recentKinds = new Queue<bool>();
            int judgedInOrder = 0;

            foreach (var r in input.History.Where(h => h.PublishedAt.HasValue))
            {
                int? line = NpmVersion.TryParse(r.Version, out var v) ? v.Major : (int?)null;
                if (selected.Contains(r))
                {
                    judgedInOrder++;
                    if (adoption != null && !r.IsStaged)
                        findings.Add(New(UnapprovedAfterAdoption, input, r, adoption.Version,
                            $"{r.Package}@{r.Version} was published{By(r)} on {Day(r.PublishedAt)} without staged approval, although the package adopted staging with {adoption.Version} ({Day(adoption.PublishedAt)}, approved by {adoption.Approver?.Key ?? "?"}). " +
                            $"It went straight to the registry ({Path(r)}): find out who published it and how, and remove that path."));
                    if (line is int l && lines.TryGetValue(l, out var previous))
                    {
                        if (previous.HasTrustedPublisher && !r.HasTrustedPublisher)
                            findings.Add(New(LostTrustedPublisher, input, r, previous.Version,
                                $"{r.Package}@{r.Version} was published{By(r)} without a trusted publisher, while {previous.Version}, the version before it on the {l}.x line, came from the trusted publisher {previous.TrustedPublisher}. " +
                                "That is a trust downgrade (what pnpm's trustPolicy no-downgrade refuses): confirm who published it."));
                        if (previous.HasProvenance && !r.HasProvenance)
                            findings.Add(New(LostProvenance, input, r, previous.Version,
                                $"{r.Package}@{r.Version} has no provenance attestation, while {previous.Version}, the version before it on the {l}.x line, has one ({previous.Provenance!.PredicateType}). " +
                                "It was built somewhere the attestation could not come from: check where."));
                    }
                    var key = r.Publisher?.Key;
                    if (key != null && seen.Count > 0 && !seen.Contains(key))
                        findings.Add(New(NewPublisher, input, r, null,
                            $"{r.Package}@{r.Version} was published by {r.Publisher}, who had not published or approved any earlier version of the package (seen before: {string.Join(", ", seen.OrderBy(s => s, StringComparer.OrdinalIgnoreCase).Take(8))}{(seen.Count > 8 ? ", …" : "")}). Confirm the new publisher with the package's owners."));
                    if (recentKinds.Count >= RoutineMinimum)
                    {
                        double ci = recentKinds.Count(k => k) / (double)recentKinds.Count;
                        if (ci >= RoutineShare && !r.HasTrustedPublisher)
                            findings.Add(New(UnusualPublisherKind, input, r, null,
                                $"{r.Package}@{r.Version} was published{By(r)} without the trusted publisher, while {Share(ci)} of the {recentKinds.Count} versions before it came from CI through the trusted publisher. A person (or a token) published where CI normally does: confirm the release."));
                        else if (ci <= 1 - RoutineShare && r.HasTrustedPublisher)
                            findings.Add(New(UnusualPublisherKind, input, r, null,
                                $"{r.Package}@{r.Version} was published by CI through the trusted publisher {r.TrustedPublisher}, while {Share(1 - ci)} of the {recentKinds.Count} versions before it were published by people. If the package just moved to trusted publishing this is expected; otherwise confirm the release."));
                    }
                }
                // the baselines take this version in after it was judged
                if (adoption == null && r.IsStaged) adoption = r;
                if (line is int ln) lines[ln] = r;
                if (r.Publisher?.Key is string who) seen.Add(who);
                if (r.Approver?.Key is string approver) seen.Add(approver);
                recentKinds.Enqueue(r.HasTrustedPublisher);
                if (recentKinds.Count > RoutineWindow) recentKinds.Dequeue();
            }

            foreach (var r in input.Selected)
            {
                switch (r.RegistrySignature)
                {
                    case NpmRegistrySignatureStatus.Invalid:
                        findings.Add(New(InvalidSignature, input, r, null,
                            $"{r.Package}@{r.Version}: the registry signature (key {r.SignatureKeyId}) does not verify over '{r.Package}@{r.Version}:{r.Integrity}'. The version's name, version or integrity changed after the registry signed it; do not install it from {input.Registry}."));
                        break;
                    case NpmRegistrySignatureStatus.Missing:
                        findings.Add(New(MissingSignature, input, r, null,
                            $"{r.Package}@{r.Version} has no registry signature, although {input.Registry} publishes signing keys. Something other than the registry's publish path served or wrote this entry."));
                        break;
                    case NpmRegistrySignatureStatus.KeyExpired:
                        findings.Add(New(UnverifiableSignature, input, r, null,
                            $"{r.Package}@{r.Version}: the signing key {r.SignatureKeyId} had expired before the version's publish time ({Day(r.PublishedAt) ?? "none given"}); the signature cannot vouch for it (npm: EEXPIREDSIGNATUREKEY)."));
                        break;
                    case NpmRegistrySignatureStatus.UnknownKey:
                        findings.Add(New(UnverifiableSignature, input, r, null,
                            $"{r.Package}@{r.Version}: the signature names the key {r.SignatureKeyId ?? "(none)"}, which {input.Registry} does not publish (npm: EMISSINGSIGNATUREKEY)."));
                        break;
                }
                if (r.Provenance?.DigestMatches == false)
                    findings.Add(New(ProvenanceMismatch, input, r, null, $"{r.Package}@{r.Version}: {r.Provenance.Note}"));
            }

            // one Pass (or NotApplicable) per rule that no selected version failed
            var failed = new HashSet<string>(findings.Select(f => f.RuleId), StringComparer.Ordinal);
            var count = input.Selected.Count;
            var what = $"{input.Package}: {count} version{(count == 1 ? "" : "s")} judged";
            void Clean(string id, NpmFindingStatus status, string message)
            {
                if (!failed.Contains(id)) findings.Add(New(id, input, null, null, message, status));
            }
            if (judgedInOrder > 0)
            {
                var firstApproved = input.History.FirstOrDefault(h => h.IsStaged && h.PublishedAt.HasValue);
                if (firstApproved == null) Clean(UnapprovedAfterAdoption, NpmFindingStatus.NotApplicable, $"{input.Package} has not adopted staged publishing: no version carries an approver.");
                else Clean(UnapprovedAfterAdoption, NpmFindingStatus.Pass, $"{what}: every one published after staging was adopted ({firstApproved.Version}) carries an approver.");
                Clean(LostTrustedPublisher, NpmFindingStatus.Pass, $"{what}: none lost the trusted publishing of the version before it on its line.");
                Clean(LostProvenance, NpmFindingStatus.Pass, $"{what}: none lost the provenance of the version before it on its line.");
                Clean(NewPublisher, NpmFindingStatus.Pass, $"{what}: each was published by an identity the package had used before (or is its first version).");
                Clean(UnusualPublisherKind, NpmFindingStatus.Pass, $"{what}: each was published the way the versions before it were.");
            }
            if (input.RegistrySigns == true)
            {
                Clean(InvalidSignature, NpmFindingStatus.Pass, $"{what}: no registry signature is invalid.");
                Clean(MissingSignature, NpmFindingStatus.Pass, $"{what}: each carries a registry signature.");
                Clean(UnverifiableSignature, NpmFindingStatus.Pass, $"{what}: every signature names a published key valid at publish time.");
            }
            else if (input.RegistrySigns == false)
            {
                Clean(MissingSignature, NpmFindingStatus.NotApplicable, $"{input.Registry} publishes no signing keys (/-/npm/v1/keys answered 404 or 400), so versions are not expected to carry signatures.");
                Clean(InvalidSignature, NpmFindingStatus.Pass, $"{what}: no registry signature is invalid.");
                Clean(UnverifiableSignature, NpmFindingStatus.Pass, $"{what}: no signature names an unpublished or expired key.");
            }
            if (input.Selected.Any(r => r.Provenance?.DigestMatches == true))
                Clean(ProvenanceMismatch, NpmFindingStatus.Pass, $"{what}: every provenance statement compared names the version's tarball (digest only; Sigstore signatures not verified).");
            return findings;
        }

        private NpmReleaseFinding New(string id, NpmReleaseAuditInput input, NpmPackageRelease? r, string? previous, string message, NpmFindingStatus status = NpmFindingStatus.Fail)
        {
            var rule = RuleCatalog.Default[id];
            var finding = FindingFactory.Stamp(new NpmReleaseFinding(), rule, _computer);
            finding.Status = status;
            finding.Message = message;
            finding.Context = input.Registry;
            finding.Registry = input.Registry;
            finding.Package = input.Package;
            finding.Version = r?.Version;
            finding.PreviousVersion = previous;
            finding.PublishedAt = r?.PublishedAt;
            finding.Publisher = r?.Publisher?.ToString();
            finding.Approver = r?.Approver?.ToString();
            finding.ReleasePath = r?.ReleasePath;
            finding.RegistrySignature = r?.RegistrySignature;
            finding.Location = new NpmFindingLocation
            {
                Uri = input.Registry + (input.Registry.EndsWith("/", StringComparison.Ordinal) ? "" : "/") + RegistryPackageName.Escape(input.Package),
                Name = r != null ? input.Package + "@" + r.Version : input.Package,
            };
            if (status == NpmFindingStatus.Fail)
                finding.Remediation = new NpmRemediation
                {
                    Summary = rule.Title + ": " + rule.ExpectedText + ".",
                    NpmCommand = rule.Remediation.Replace("<package>@<version>", input.Package + "@" + (r?.Version ?? "<version>"))
                        .Replace("<package>", input.Package).Replace("<version>", r?.Version ?? "<version>").Replace("{registry}", input.Registry),
                };
            finding.FactId = FindingFactory.FactId(finding, r?.Version);
            return FindingFactory.CompleteRemediation(finding);
        }

        private static string By(NpmPackageRelease r) => r.Publisher?.Key != null ? " by " + r.Publisher.Key : "";

        private static string Path(NpmPackageRelease r) => r.ReleasePath switch
        {
            NpmReleasePath.TrustedPublisherDirect => "published directly by the trusted publisher " + r.TrustedPublisher,
            NpmReleasePath.TokenWithProvenance => "a token publish with provenance",
            NpmReleasePath.Token => "a token or session publish",
            _ => "no publisher recorded",
        };

        private static string? Day(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        private static string Share(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
    }
}
