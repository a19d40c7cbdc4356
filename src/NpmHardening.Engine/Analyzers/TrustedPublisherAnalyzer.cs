using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>What Get-NpmTrustedPublisher -Audit judges: one configuration, and optionally the clone of the repository it trusts.</summary>
    public sealed class TrustedPublisherInput
    {
        public TrustedPublisherInput(NpmTrustedPublisher publisher, string? repositoryPath = null)
        {
            Publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
            RepositoryPath = repositoryPath;
        }

        public NpmTrustedPublisher Publisher { get; }
        /// <summary>The clone of the trusted repository (-RepositoryPath), read as Get-NpmPublishPipeline reads one; null: the workflow is not checked.</summary>
        public string? RepositoryPath { get; }
    }

    /// <summary>
    /// The trusted publishing rules over one package's OIDC configuration: direct publish allowed (NPMH13001), a legacy
    /// configuration without permissions, read as publish-allowed (NPMH13002), a GitHub configuration that pins no
    /// environment (NPMH13003), and with a clone of the repository: the trusted workflow file is missing (NPMH13004) or
    /// that workflow also publishes with a long-lived token (NPMH13005, found by Get-NpmPublishPipeline's scanner).
    /// </summary>
    public sealed class TrustedPublisherAnalyzer : INpmAnalyzer<TrustedPublisherInput>
    {
        public const string DirectPublish = "NPMH13001";
        public const string LegacyWithoutPermissions = "NPMH13002";
        public const string NoEnvironment = "NPMH13003";
        public const string WorkflowMissing = "NPMH13004";
        public const string WorkflowUsesToken = "NPMH13005";
        public const string TokenReleasesWithoutTrust = "NPMH13006";
        /// <summary>How many of the newest versions NPMH13006 looks at.</summary>
        public const int RecentReleaseCount = 5;

        private readonly string _computer;
        private readonly IPlatform _platform;
        private PublishPipelineScanner? _scanner;
        // one scan per clone however many packages it is trusted by (an organisation's monorepo)
        private readonly Dictionary<string, (CiRepository Repository, Lazy<PublishPipelineScan> Scan)> _clones =
            new Dictionary<string, (CiRepository, Lazy<PublishPipelineScan>)>(StringComparer.Ordinal);

        public TrustedPublisherAnalyzer(IPlatform? platform = null)
        {
            _platform = platform ?? SystemPlatform.Instance;
            _computer = FindingFactory.MachineOf(_platform);
        }

        private (CiRepository Repository, Lazy<PublishPipelineScan> Scan) Clone(string root)
        {
            if (_clones.TryGetValue(root, out var clone)) return clone;
            var repository = new FileCiRepository(_platform, root);
            _scanner ??= new PublishPipelineScanner(PipelineScripts.Default, new PublishPipelineAnalyzer(_platform));
            var scanner = _scanner;
            // the folders the scan holds open are closed with it; later reads of the clone walk each path again
            clone = (repository, new Lazy<PublishPipelineScan>(() =>
            {
                try { return scanner.Scan(repository); }
                finally { repository.Dispose(); }
            }));
            _clones[root] = clone;
            return clone;
        }

        public IReadOnlyCollection<string> RuleIds { get; } = new[] { DirectPublish, LegacyWithoutPermissions, NoEnvironment, WorkflowMissing, WorkflowUsesToken, TokenReleasesWithoutTrust };

        public IEnumerable<NpmFinding> Analyze(TrustedPublisherInput input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var t = input.Publisher;
            var what = $"{t.Package}: trusted publisher {t.Source}";
            // from permissions[] itself, never from the convenience flags (an object built by hand or rehydrated may lack them)
            bool direct = t.Permissions == null || Array.IndexOf(t.Permissions, Registry.NpmTrustClient.CreatePackage) >= 0;
            if (t.Permissions == null)
                yield return New(LegacyWithoutPermissions, NpmFindingStatus.Fail, t,
                    $"{what} states no permissions (a configuration made before npm had them): it is treated as allowed to publish directly. Re-create it stage-only.");
            else
                yield return New(LegacyWithoutPermissions, NpmFindingStatus.Pass, t, $"{what} states its permissions ({string.Join(", ", t.Permissions)}).");

            yield return New(DirectPublish, direct ? NpmFindingStatus.Fail : NpmFindingStatus.Pass, t,
                direct
                    ? $"{what} may publish directly (" + (t.Permissions == null ? "legacy configuration, no permissions" : "createPackage") + "): a compromised workflow run releases a version that installs at once, with no human approving it. Make it stage-only."
                    : $"{what} may only stage versions; a maintainer approves each one.");

            if (t.Provider == "GitHub")
                yield return New(NoEnvironment, string.IsNullOrEmpty(t.Environment) ? NpmFindingStatus.Fail : NpmFindingStatus.Pass, t,
                    string.IsNullOrEmpty(t.Environment)
                        ? $"{what} pins no GitHub environment: a run of that workflow from any branch or tag can mint a publish token. Name an environment with protection rules (-Environment)."
                        : $"{what} accepts tokens only from the environment '{t.Environment}'.");

            if (input.RepositoryPath == null) yield break;
            var file = WorkflowPath(t);
            if (file == null) yield break;
            var where = input.RepositoryPath;
            var clone = Clone(input.RepositoryPath);
            if (!clone.Repository.FileExists(file))
            {
                yield return New(WorkflowMissing, NpmFindingStatus.Fail, t,
                    $"{what}: {file} does not exist in {where}. Either the clone is not the trusted repository, or the file was renamed and the trust points at nothing (or at a file anyone can add later).",
                    file, input.RepositoryPath);
                yield break;
            }
            yield return New(WorkflowMissing, NpmFindingStatus.Pass, t, $"{what}: {file} exists in {where}.", file, input.RepositoryPath);

            var scan = clone.Scan.Value;
            var tokenSteps = scan.Results.Select(r => r.Step)
                .Where(s => string.Equals(s.File, file, StringComparison.Ordinal) && (s.Auth == NpmPublishAuth.StaticToken || s.Auth == NpmPublishAuth.Both))
                .ToList();
            if (tokenSteps.Count > 0)
            {
                var first = tokenSteps[0];
                var names = tokenSteps.SelectMany(s => s.TokenNames).Distinct(StringComparer.Ordinal).ToArray();
                yield return New(WorkflowUsesToken, NpmFindingStatus.Fail, t,
                    $"{what}: {file} also publishes with a long-lived token" + (names.Length > 0 ? " (" + string.Join(", ", names) + ")" : "") +
                    $" at line {first.Line} (job {first.Job}). Anyone who steals that secret publishes without the trusted publisher's limits; remove the token and let the job use OIDC.",
                    file, input.RepositoryPath, first.Line);
            }
            else
                yield return New(WorkflowUsesToken, NpmFindingStatus.Pass, t, $"{what}: {file} publishes with no long-lived token.", file, input.RepositoryPath);
        }

        /// <summary>
        /// NPMH13006 for a package that has no trusted publisher: Fail when one of its newest versions
        /// (<paramref name="recent"/>, newest first) was published with a token or session (no trustedPublisher, no
        /// approver marker), Pass otherwise.
        /// </summary>
        public NpmTrustFinding AnalyzeWithoutTrust(string package, string registry, IReadOnlyList<Releases.NpmPackageRelease> recent)
        {
            var none = new NpmTrustedPublisher { Package = package, Registry = registry };
            // neither marker: a token or a session (provenance alone does not say who held the credential)
            var tokens = recent.Where(r => !r.IsStaged && !r.HasTrustedPublisher).ToList();
            var finding = New(TokenReleasesWithoutTrust, tokens.Count > 0 ? NpmFindingStatus.Fail : NpmFindingStatus.Pass, none,
                recent.Count == 0 ? $"{package} has no trusted publisher and no published version."
                : tokens.Count > 0
                    ? $"{package} has no trusted publisher, and {tokens.Count} of its {recent.Count} newest versions were published with a token or session ({string.Join(", ", tokens.Select(t => t.Version + (t.Publisher?.Key != null ? " by " + t.Publisher.Key : "")))}). A long-lived token that can publish is what attackers steal; configure a stage-only trusted publisher and revoke the token."
                    : $"{package} has no trusted publisher; its {recent.Count} newest versions were staged and approved or published through OIDC.");
            finding.Provider = null;
            return finding;
        }

        /// <summary>The trusted file inside a clone: GitHub .github/workflows/{file}, GitLab {file} at the root; null for providers without a file.</summary>
        public static string? WorkflowPath(NpmTrustedPublisher t)
        {
            if (string.IsNullOrEmpty(t.WorkflowFile)) return null;
            var name = t.WorkflowFile!;
            // the registry's word: never let it walk out of the clone
            if (name.IndexOf("..", StringComparison.Ordinal) >= 0 || name.IndexOf('\\') >= 0 || name.StartsWith("/", StringComparison.Ordinal) || name.IndexOf(':') >= 0) return null;
            if (t.Provider == "GitHub") return name.IndexOf('/') >= 0 ? null : ".github/workflows/" + name;
            if (t.Provider == "GitLab") return name;
            return null;
        }

        private NpmTrustFinding New(string id, NpmFindingStatus status, NpmTrustedPublisher t, string message, string? file = null, string? root = null, int? line = null)
        {
            var rule = RuleCatalog.Default[id];
            var finding = FindingFactory.Stamp(new NpmTrustFinding(), rule, _computer);
            finding.Status = status;
            finding.Message = message;
            finding.Context = t.Registry;
            finding.Package = t.Package;
            finding.Provider = t.Provider;
            finding.Repository = t.Repository;
            finding.WorkflowFile = t.WorkflowFile;
            finding.Environment = t.Environment;
            finding.OrgId = t.OrgId;
            finding.ProjectId = t.ProjectId;
            finding.PipelineDefinitionId = t.PipelineDefinitionId;
            finding.VcsOrigin = t.VcsOrigin;
            finding.ContextId = t.ContextId;
            finding.Organization = t.Organization;
            finding.Pipeline = t.Pipeline;
            finding.ConfigId = t.ConfigId;
            finding.Permissions = t.Permissions;
            finding.Registry = t.Registry;
            finding.Location = file != null && root != null
                ? new NpmFindingLocation { Path = System.IO.Path.Combine(root, file.Replace('/', System.IO.Path.DirectorySeparatorChar)), Line = line, Name = t.Package }
                : new NpmFindingLocation
                {
                    Uri = t.Registry + (t.Registry.EndsWith("/", StringComparison.Ordinal) ? "" : "/") + "-/package/" + Registry.RegistryPackageName.Escape(t.Package) + "/trust",
                    Name = t.Package,
                };
            if (status == NpmFindingStatus.Fail)
                finding.Remediation = new NpmRemediation
                {
                    Summary = rule.Title + ": " + rule.ExpectedText + ".",
                    NpmCommand = rule.Remediation.Replace("<package>", t.Package).Replace("<id>", t.ConfigId ?? "<id>").Replace("{registry}", t.Registry),
                };
            finding.FactId = FindingFactory.FactId(finding, t.Package, t.ConfigId);
            return FindingFactory.CompleteRemediation(finding);
        }
    }
}
