using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The publish-pipeline rules (NPMH10xxx, Get-NpmPublishPipeline -Audit) over one publish path: its credential and
    /// where it is visible, its triggers and gate, its provenance, and the job around it (installs, caches, actions,
    /// token writes). Emits a failing finding per broken rule (per offending action for NPMH10010, per offending
    /// command for NPMH10009), located at the file and line a reviewer has to change.
    /// </summary>
    internal sealed class PublishPipelineAnalyzer : INpmAnalyzer<PublishPath>
    {
        public const string LongLivedToken = "NPMH10001";
        public const string DirectPublish = "NPMH10002";
        public const string TokenVisibleToInstall = "NPMH10003";
        public const string OidcAndToken = "NPMH10004";
        public const string OidcNpmTooOld = "NPMH10005";
        public const string UntrustedTrigger = "NPMH10006";
        public const string Ungated = "NPMH10007";
        public const string NoProvenance = "NPMH10008";
        public const string TokenLeak = "NPMH10009";
        public const string UnpinnedAction = "NPMH10010";
        public const string ReleaseCache = "NPMH10011";

        private static readonly string[] Ids =
        {
            LongLivedToken, DirectPublish, TokenVisibleToInstall, OidcAndToken, OidcNpmTooOld, UntrustedTrigger, Ungated,
            NoProvenance, TokenLeak, UnpinnedAction, ReleaseCache,
        };

        private readonly string _computer;

        public PublishPipelineAnalyzer(IPlatform? platform = null) { _computer = FindingFactory.MachineOf(platform); }

        public IReadOnlyCollection<string> RuleIds => Ids;

        public IEnumerable<NpmFinding> Analyze(PublishPath input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var findings = new List<NpmFinding>();
            var o = input.Output;
            var at = At(input, o.File, o.Line);
            var longLived = input.Tokens.Where(t => t.SecretName != "GITHUB_TOKEN").Select(t => t.SecretName!).Distinct().ToList();
            longLived.AddRange(o.TokenNames.Where(n => n != "GITHUB_TOKEN" && !longLived.Contains(n)));

            // NPMH10001: a long-lived token publishes
            if ((o.Auth == NpmPublishAuth.StaticToken || o.Auth == NpmPublishAuth.Both) && longLived.Count > 0)
                findings.Add(Fail(input, LongLivedToken, at,
                    $"{Subject(o)} authenticates with the CI secret {Names(longLived)}, a long-lived token: anyone who reads it can publish from anywhere until it is revoked.",
                    TrustCommand(input)));

            // NPMH10002: direct publish where stage publish would put a 2FA approval in front
            if (o.Method != NpmPublishMethod.StagePublish && o.Registry == NpmPublishRegistry.Npmjs)
                findings.Add(Fail(input, DirectPublish, at,
                    $"{Subject(o)} makes the version live as soon as the job runs; npm stage publish would hold it for a maintainer's 2FA approval.",
                    o.Method == NpmPublishMethod.Publish && o.Tool == "npm" ? StageCommand(o.Command) : "npm stage publish"));

            // NPMH10003: the token is visible to dependency installation
            var exposed = InstallExposure(input);
            if (exposed != null) findings.Add(Fail(input, TokenVisibleToInstall, exposed.Value.At, exposed.Value.Message, null));

            // NPMH10004: both OIDC and a token
            // (trusted publishing exists on npmjs only: elsewhere the token is the one way in)
            if (o.Auth == NpmPublishAuth.Both && o.Registry == NpmPublishRegistry.Npmjs)
                findings.Add(Fail(input, OidcAndToken, at,
                    $"Job '{o.Job}' requests an OIDC token and also holds {Names(o.TokenNames)}: npm falls back to the token whenever trusted publishing is not configured, so the token stays the weak link.", null));

            // NPMH10005: OIDC with an npm too old to use it
            if ((o.Auth == NpmPublishAuth.Oidc || o.Auth == NpmPublishAuth.Both) && o.Registry == NpmPublishRegistry.Npmjs)
            {
                var old = NpmTooOld(input);
                if (old != null) findings.Add(Fail(input, OidcNpmTooOld, old.Value.At, old.Value.Message, "npm install -g npm@latest"));
            }

            // NPMH10006: reachable from an untrusted trigger
            var untrusted = input.Triggers.Where(t => t.Kind == CiTriggerKind.PullRequestTarget || t.Kind == CiTriggerKind.WorkflowRun || t.Kind == CiTriggerKind.ForkPullRequest).ToList();
            if (untrusted.Count > 0)
                findings.Add(Fail(input, UntrustedTrigger, At(input, untrusted[0].Source.File, untrusted[0].Source.Line),
                    $"{Subject(o)} can run on {string.Join(", ", untrusted.Select(PublishPathFinder.Describe).Distinct())}, which act on code or artifacts from outside the repository with its secrets.", null));

            // NPMH10007: push or tag publishes with no gate (npm stage publish is gated by the registry: the staged version
            // is not installable until a maintainer approves it with 2FA, docs.npmjs.com/staged-publishing)
            var pushes = input.Triggers.Where(t => t.Kind == CiTriggerKind.Push || t.Kind == CiTriggerKind.Tag).ToList();
            if (pushes.Count > 0 && input.Gate.Kind == CiGateKind.None && o.Method != NpmPublishMethod.StagePublish)
                findings.Add(Fail(input, Ungated, At(input, input.Job.Job.Source.File, input.Job.Job.Source.Line),
                    $"{Subject(o)} runs on {string.Join(", ", pushes.Select(PublishPathFinder.Describe).Distinct())} with no environment, approval or manual step before it.", null));

            // NPMH10008: no provenance for a public npmjs package, only where npm can make one: libnpmpublish signs
            // provenance on GitHub Actions and GitLab CI and throws "not supported for provider" everywhere else
            // (npm 11.19.1 libnpmpublish/lib/publish.js ensureProvenanceGeneration), so elsewhere the fix does not exist
            // (trusted publishing sets Provenance where it turns provenance on by itself)
            if (!o.Provenance && o.Registry == NpmPublishRegistry.Npmjs && !input.PackagePrivate && CanMakeProvenance(o.Platform))
                findings.Add(Fail(input, NoProvenance, at,
                    o.Platform == CiPlatform.GitLabCi && (o.Auth == NpmPublishAuth.Oidc || o.Auth == NpmPublishAuth.Both)
                        ? $"{Subject(o)} publishes without a provenance statement: on GitLab npm signs one only with a SIGSTORE_ID_TOKEN (aud: sigstore) in the job's id_tokens, and none is requested."
                        : $"{Subject(o)} publishes without a provenance statement (no --provenance, publishConfig.provenance or NPM_CONFIG_PROVENANCE).",
                    o.Tool == "npm" && o.Method == NpmPublishMethod.Publish ? "npm publish --provenance" : null));

            // NPMH10009: a token written to a file or the log
            // one finding per line: a traced line that also writes the token into .npmrc is one fact with two reasons
            foreach (var line in Leaks(input).GroupBy(l => (l.File, l.Line)))
                findings.Add(Fail(input, TokenLeak, At(input, line.Key.File, line.Key.Line), string.Join(" ", line.Select(l => l.Message).Distinct()), null,
                    line.Key.File + ":" + line.Key.Line.ToString(CultureInfo.InvariantCulture)));

            // NPMH10010: unpinned third-party actions in the publish job
            foreach (var s in input.Job.Steps)
            {
                var reference = s.Step.ActionRef;
                if (s.Step.Kind != CiStepKind.Action || reference == null || !IsUnpinnedThirdParty(reference)) continue;
                if (PinnedOrb(input.Job.Job, reference)) continue;
                findings.Add(Fail(input, UnpinnedAction, At(input, s.Step.Source.File, s.Step.Source.Line),
                    $"'{reference}' runs in publish job '{o.Job}' and is not pinned to a commit SHA: whoever controls its tag controls code next to the publish credential.",
                    null, reference));
            }

            // NPMH10011: a dependency cache in the release job
            var cache = Cache(input);
            if (cache != null) findings.Add(Fail(input, ReleaseCache, cache.Value.At, cache.Value.Message, null));

            return findings;
        }

        // ---- finding construction -------------------------------------------------------------------------------

        private NpmFinding Fail(PublishPath path, string ruleId, NpmFindingLocation at, string message, string? npmCommand, string? about = null)
        {
            var finding = FindingFactory.Stamp(new NpmFinding(), RuleCatalog.Default[ruleId], _computer);
            finding.Status = NpmFindingStatus.Fail;
            finding.Message = message;
            finding.Location = at;
            finding.Context = path.Repository.Root;
            var rule = RuleCatalog.Default[ruleId];
            finding.Remediation = new NpmRemediation { Summary = rule.Remediation, NpmCommand = npmCommand };
            finding.FactId = FindingFactory.FactId(finding, path.Output.Job, about);
            return FindingFactory.CompleteRemediation(finding);
        }

        private static NpmFindingLocation At(PublishPath path, string file, int line) =>
            FindingFactory.File(FullPath(path.Repository.Root, file), line > 0 ? line : (int?)null);

        private static string FullPath(string root, string relative)
        {
            var separator = root.IndexOf('\\') >= 0 && root.IndexOf('/') < 0 ? '\\' : '/';
            return root.TrimEnd('/', '\\') + separator + relative.Replace('/', separator);
        }

        private static string Subject(NpmPublishStep o) =>
            $"The publish in job '{o.Job}' ({(o.Method == NpmPublishMethod.Action || o.Method == NpmPublishMethod.ReleaseTool ? o.Tool : PublishPathFinder.FirstLine(o.Command))})";

        /// <summary>The CI platforms whose runs npm can sign a provenance statement for (ci-info GITHUB_ACTIONS, GITLAB).</summary>
        internal static bool CanMakeProvenance(CiPlatform platform) => platform == CiPlatform.GitHubActions || platform == CiPlatform.GitLabCi;

        private static string Names(IEnumerable<string> names) => string.Join(", ", names.Distinct());

        private static string TrustCommand(PublishPath path)
        {
            var o = path.Output;
            var package = path.PackageName ?? "<package>";
            var file = o.File.Substring(o.File.LastIndexOf('/') + 1);
            var provider = o.Platform == CiPlatform.GitLabCi ? "gitlab" : o.Platform == CiPlatform.CircleCi ? "circleci" : "github";
            var environment = path.Gate.Kind == CiGateKind.Environment && path.Gate.Name != null && path.Gate.Name.IndexOf("${", StringComparison.Ordinal) < 0 && path.Gate.Name.IndexOf(" (job ", StringComparison.Ordinal) < 0
                ? " --env " + path.Gate.Name : "";
            if (provider == "github")
                return $"npm trust github {package} --repository <owner>/<repo> --file {file}{environment} --allow-stage-publish";
            if (provider == "gitlab")
                return $"npm trust gitlab {package} --project <group>/<project> --file {file}{environment} --allow-stage-publish";
            return $"npm trust circleci {package} --allow-stage-publish";
        }

        private static string StageCommand(string command)
        {
            var i = command.IndexOf("npm publish", StringComparison.Ordinal);
            return i < 0 ? "npm stage publish" : "npm stage publish" + command.Substring(i + "npm publish".Length).TrimEnd(' ', '…');
        }

        // ---- NPMH10003 ------------------------------------------------------------------------------------------

        private static (NpmFindingLocation At, string Message)? InstallExposure(PublishPath path)
        {
            var o = path.Output;
            var definition = path.Job.Definition;
            // a token in workflow or job env: every install its scope reaches
            foreach (var token in path.Tokens)
            {
                var scope = PublishPathFinder.ScopeOf(definition, path.Job.Job, path.Step.Step, token);
                if (scope == NpmTokenExposure.Step) continue;
                var jobs = scope == NpmTokenExposure.Workflow ? path.WorkflowJobs : new[] { path.Job };
                foreach (var job in jobs)
                    foreach (var s in job.Steps)
                    {
                        var install = s.Facts.FirstOrDefault(f => f.Kind == ScriptFactKind.Install && !f.IgnoreScripts);
                        if (install == null) continue;
                        var visible = PublishPathFinder.VisibleEnv(definition, job.Job, s.Step);
                        if (!visible.Any(v => v.Name == token.Name && v.SecretName == token.SecretName)) continue;
                        return (At(path, token.Source.File, token.Source.Line),
                            $"{token.Name} (secret {token.SecretName}) is set in the {(scope == NpmTokenExposure.Workflow ? "workflow's" : "job's")} env, so the install scripts of '{PublishPathFinder.FirstLine(install.Text)}' (job '{job.Job.Id}', {install.File}:{install.Line.ToString(CultureInfo.InvariantCulture)}) can read it.");
                    }
            }
            // a literal npm token written as a workflow or job env value: as visible to installs as a secret in the same place
            foreach (var literal in definition.Env.Concat(path.Job.Job.Env))
            {
                if (literal.SecretName != null || literal.Value == null || !Pipelines.Shell.NpmCommandClassifier.HasLiteralToken(literal.Value)) continue;
                var workflowWide = definition.Env.Contains(literal);
                foreach (var job in workflowWide ? path.WorkflowJobs : new[] { path.Job })
                    foreach (var s in job.Steps)
                    {
                        var install = s.Facts.FirstOrDefault(f => f.Kind == ScriptFactKind.Install && !f.IgnoreScripts);
                        if (install == null || !PublishPathFinder.VisibleEnv(definition, job.Job, s.Step).Contains(literal)) continue;
                        return (At(path, literal.Source.File, literal.Source.Line),
                            $"{literal.Name} holds a literal npm token in the {(workflowWide ? "workflow's" : "job's")} env, so the install scripts of '{PublishPathFinder.FirstLine(install.Text)}' (job '{job.Job.Id}', {install.File}:{install.Line.ToString(CultureInfo.InvariantCulture)}) can read it.");
                    }
            }
            // a token from the platform's settings (CircleCI project variable or context, Bitbucket repository or deployment
            // variable) is in the environment of every step of the job, installs included
            // (GitLab's project variables reach every job of the pipeline, not only the publishing one)
            var reached = definition.Platform == CiPlatform.GitLabCi ? path.WorkflowJobs : new[] { path.Job };
            foreach (var token in path.ImplicitTokens)
                foreach (var job in reached)
                    foreach (var s in job.Steps)
                    {
                        var install = s.Facts.FirstOrDefault(f => f.Kind == ScriptFactKind.Install && !f.IgnoreScripts);
                        if (install == null) continue;
                        return (At(path, install.File, install.Line),
                            $"{token.Name} is not set in the file, so it comes from the platform's settings and is in the environment of every step of job '{job.Job.Id}': the install scripts of '{PublishPathFinder.FirstLine(install.Text)}' ({install.File}:{install.Line.ToString(CultureInfo.InvariantCulture)}) can read it.");
                    }
            // npmAuthenticate@0 writes its service connection's token into the .npmrc it names; an install later in the
            // job (a script, or the Npm task's install/ci) runs with that file
            foreach (var token in path.Tokens)
            {
                if (token.Name != "customEndpoint") continue;
                var auth = path.Job.Steps.FirstOrDefault(s => s.Step.Source.File == token.Source.File && s.Step.Source.Line == token.Source.Line);
                if (auth == null) continue;
                foreach (var s in path.Job.Steps)
                {
                    if (s.Index <= auth.Index) continue;
                    var install = s.Facts.FirstOrDefault(f => f.Kind == ScriptFactKind.Install && !f.IgnoreScripts);
                    var where = install != null ? install.File + ":" + install.Line.ToString(CultureInfo.InvariantCulture)
                        : PublishPathFinder.IsNpmTaskInstall(s.Step) ? s.Step.Source.ToString() : null;
                    if (where == null) continue;
                    var what = install != null ? PublishPathFinder.FirstLine(install.Text) : s.Step.ActionRef + " " + PublishPathFinder.NpmTaskCommand(s.Step);
                    return (At(path, auth.Step.Source.File, auth.Step.Source.Line),
                        $"{auth.Step.ActionRef} writes the token of service connection {token.SecretName} into .npmrc ({auth.Step.Source}) before '{what}' ({where}), whose install scripts can read the file.");
                }
            }
            // a token written to .npmrc before an install in the same job
            foreach (var write in path.TokenFileWrites)
            {
                var writeStep = path.Job.Steps.First(s => s.Facts.Contains(write));
                foreach (var s in path.Job.Steps)
                {
                    if (s.Index < writeStep.Index) continue;
                    foreach (var f in s.Facts)
                    {
                        if (f.Kind != ScriptFactKind.Install || f.IgnoreScripts) continue;
                        if (s.Index == writeStep.Index && f.Line <= write.Line) continue;
                        return (At(path, write.File, write.Line),
                            $"A token is written to {write.TargetFile ?? ".npmrc"} ({write.File}:{write.Line.ToString(CultureInfo.InvariantCulture)}) before '{PublishPathFinder.FirstLine(f.Text)}' ({f.File}:{f.Line.ToString(CultureInfo.InvariantCulture)}), whose install scripts can read the file.");
                    }
                }
            }
            return null;
        }

        // ---- NPMH10005 ------------------------------------------------------------------------------------------

        private static (NpmFindingLocation At, string Message)? NpmTooOld(PublishPath path)
        {
            var job = path.Job.Job;
            // an npm upgrade before the publish decides the version
            foreach (var s in path.Job.Steps)
            {
                if (s.Index > path.Step.Index) break;
                if (s.Facts.Any(f => f.Kind == ScriptFactKind.NpmUpgrade && !OldNpmSpec(f.Version))) return null;
            }
            job.Facts.TryGetValue("node-version", out var nodeVersion);
            var at = At(path, job.Source.File, job.Source.Line);
            if (nodeVersion == null)
            {
                if (job.Facts.ContainsKey("node-version-file") || !job.Facts.ContainsKey("setup-node") && path.Job.Definition.Platform != CiPlatform.GitHubActions)
                    return null; // the version is in a file, or the platform's image is unknown here
                return (at, $"Job '{job.Id}' requests OIDC but uses the runner's preinstalled Node.js (20 with npm 10 on GitHub-hosted images) without an npm upgrade; trusted publishing needs npm 11.5.1 or later.");
            }
            var verdict = NodeVerdict(nodeVersion);
            if (verdict == null) return null;
            return (at, $"Job '{job.Id}' requests OIDC with node-version {nodeVersion}: {verdict}; trusted publishing needs npm 11.5.1 or later (Node.js 22.14 or later) and no step upgrades npm first.");
        }

        /// <summary>Why a setup-node version cannot do trusted publishing without an npm upgrade; null when it can or the value is not a version.</summary>
        internal static string? NodeVerdict(string nodeVersion)
        {
            var v = nodeVersion.Trim().Trim('\'', '"').TrimStart('v', 'V', '^', '~', '>', '=');
            if (v.EndsWith(".x", StringComparison.OrdinalIgnoreCase)) v = v.Substring(0, v.Length - 2);
            var parts = v.Split('.');
            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)) return null; // lts/*, latest, an expression
            int minor = -1;
            if (parts.Length > 1 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor)) minor = -1;
            if (major < 22 || (major == 22 && minor >= 0 && minor < 14)) return $"Node.js {v} is older than 22.14";
            if (major == 22 || major == 23) return $"Node.js {major} ships npm 10 or 11 below 11.5.1";
            if (major == 24 && minor >= 0 && minor < 5) return $"Node.js {v} ships an npm below 11.5.1";
            return null;
        }

        private static bool OldNpmSpec(string? spec)
        {
            if (string.IsNullOrEmpty(spec)) return false;
            var v = spec!.Trim().TrimStart('^', '~', '>', '=', 'v');
            var parts = v.Split('.');
            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)) return false; // latest, next
            if (major < 11) return true;
            if (major > 11 || parts.Length < 2) return false;
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)) return false;
            if (minor < 5) return true;
            if (minor > 5 || parts.Length < 3) return false;
            return int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var patch) && patch < 1;
        }

        // ---- NPMH10009 ------------------------------------------------------------------------------------------

        private static IEnumerable<(string File, int Line, string Message)> Leaks(PublishPath path)
        {
            var definition = path.Job.Definition;
            // a literal npm token as a variable's value: it is in the repository, its history and every fork
            var literal = new HashSet<CiVariable>();
            foreach (var v in definition.Env.Concat(path.Job.Job.Env).Concat(path.Job.Steps.SelectMany(s => s.Step.Env)))
                if (v.Value != null && Pipelines.Shell.NpmCommandClassifier.HasLiteralToken(v.Value) && literal.Add(v))
                    yield return (v.Source.File, v.Source.Line, $"{v.Name} holds a literal npm token written in the CI file: anyone who can read the repository can publish with it. Store it as a CI secret (better: use trusted publishing).");
            var secretNames = new HashSet<string>(path.Output.TokenNames, StringComparer.Ordinal);
            foreach (var s in path.Job.Steps)
            {
                var visible = PublishPathFinder.VisibleEnv(definition, path.Job.Job, s.Step);
                var tokenVars = new HashSet<string>(visible.Where(PublishPathFinder.IsTokenVariable).Select(v => v.Name), StringComparer.Ordinal);
                bool IsToken(string name) => tokenVars.Contains(name) || secretNames.Contains(name) || name.IndexOf("secrets.", StringComparison.Ordinal) >= 0 && secretNames.Any(n => name.IndexOf(n, StringComparison.Ordinal) >= 0);
                foreach (var f in s.Facts)
                {
                    switch (f.Kind)
                    {
                        case ScriptFactKind.NpmrcWrite when f.LiteralToken:
                            yield return (f.File, f.Line, $"A literal npm token is written to {f.TargetFile ?? "an npm config file"} in the script: it is in the repository and the log.");
                            break;
                        case ScriptFactKind.NpmrcWrite when f.WritesTokenValue && f.TokenNames.Any(IsToken):
                            yield return (f.File, f.Line, $"The token ({Names(f.TokenNames.Where(IsToken))}) is written into {f.TargetFile ?? ".npmrc"} by the shell, so the file holds the token itself for every later step, cache and artifact; write the ${{NODE_AUTH_TOKEN}} reference instead (setup-node registry-url does).");
                            break;
                        case ScriptFactKind.Disclose when f.DumpsEnvironment && tokenVars.Count > 0:
                            yield return (f.File, f.Line, $"'{PublishPathFinder.FirstLine(f.Text)}' prints the whole environment, {Names(tokenVars)} included, to the log.");
                            break;
                        case ScriptFactKind.Disclose when !f.DumpsEnvironment && (f.TokenNames.Any(IsToken) || f.TargetFile != null):
                            yield return (f.File, f.Line, $"'{PublishPathFinder.FirstLine(f.Text)}' prints {(f.TargetFile != null ? f.TargetFile : "the token")} to the log.");
                            break;
                    }
                    if (f.Traced && f.Kind != ScriptFactKind.TraceOn && f.Kind != ScriptFactKind.Disclose && f.TokenNames.Any(IsToken))
                        yield return (f.File, f.Line, $"Command tracing (set -x) is on when '{PublishPathFinder.FirstLine(f.Text)}' uses {Names(f.TokenNames.Where(IsToken))}: the log shows the expanded token.");
                }
            }
        }

        // ---- NPMH10010 ------------------------------------------------------------------------------------------

        /// <summary>An action from outside GitHub's own organizations, not local, not a Docker image digest, whose ref is not a full commit SHA.</summary>
        internal static bool IsUnpinnedThirdParty(string reference)
        {
            var r = reference.Trim();
            if (r.StartsWith("./", StringComparison.Ordinal) || r.StartsWith("../", StringComparison.Ordinal)) return false;
            if (r.StartsWith("docker://", StringComparison.OrdinalIgnoreCase)) return r.IndexOf("@sha256:", StringComparison.OrdinalIgnoreCase) < 0;
            var at = r.IndexOf('@');
            var name = at < 0 ? r : r.Substring(0, at);
            var slash = name.IndexOf('/');
            if (slash <= 0) return false; // not an owner/repo action (Azure tasks, orbs have their own pinning)
            var owner = name.Substring(0, slash);
            if (string.Equals(owner, "actions", StringComparison.OrdinalIgnoreCase) || string.Equals(owner, "github", StringComparison.OrdinalIgnoreCase)) return false;
            if (at < 0) return true;
            var version = r.Substring(at + 1);
            return !(version.Length == 40 && version.All(c => c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'));
        }

        /// <summary>A CircleCI orb member (<c>alias/job</c>) whose orb is pinned to a full x.y.z version: published orb
        /// versions are immutable on the orb registry, so the exact version is already a fixed artefact (a partial version or
        /// <c>@volatile</c> follows new releases and stays a finding).</summary>
        private static bool PinnedOrb(CiJob job, string reference)
        {
            var slash = reference.IndexOf('/');
            if (slash <= 0 || !job.Facts.TryGetValue("orb:" + reference.Substring(0, slash), out var orb)) return false;
            var at = orb.LastIndexOf('@');
            if (at < 0) return false;
            var parts = orb.Substring(at + 1).Split('.');
            return parts.Length == 3 && parts.All(p => p.Length > 0 && p.All(c => c >= '0' && c <= '9'));
        }

        // ---- NPMH10011 ------------------------------------------------------------------------------------------

        private static (NpmFindingLocation At, string Message)? Cache(PublishPath path)
        {
            // a reader's platform cache (CircleCI restore_cache/save_cache, Bitbucket caches:)
            if (path.Job.Job.Facts.TryGetValue("cache", out var platformCache) && !string.IsNullOrWhiteSpace(platformCache))
            {
                var job = path.Job.Job;
                return (At(path, job.Source.File, job.Source.Line),
                    $"Publish job '{path.Output.Job}' uses a cache ({PublishPathFinder.Safe(platformCache)}): a cache entry written by another run (another branch's, a pull request's) becomes part of the release build.");
            }
            foreach (var s in path.Job.Steps)
            {
                var step = s.Step;
                if (step.Kind != CiStepKind.Action || step.ActionRef == null) continue;
                var name = PublishPathFinder.ActionName(step.ActionRef).ToLowerInvariant();
                var at = At(path, step.Source.File, step.Source.Line);
                if ((name == "actions/setup-node" || name == "pnpm/action-setup" || name == "oven-sh/setup-bun") &&
                    step.Inputs.TryGetValue("cache", out var cache) && !string.IsNullOrWhiteSpace(cache) && !string.Equals(cache.Trim(), "false", StringComparison.OrdinalIgnoreCase))
                    return (at, $"{step.ActionRef} restores the {cache} cache in publish job '{path.Output.Job}': a cache entry written by another run (a pull request's, another branch's) becomes part of the release build.");
                if (name == "actions/cache" || name == "actions/cache/restore")
                    return (at, $"{step.ActionRef} restores a cache in publish job '{path.Output.Job}': a cache entry written by another run becomes part of the release build.");
            }
            return null;
        }
    }
}
