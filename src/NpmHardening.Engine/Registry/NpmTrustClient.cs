using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// Trusted publishing (<c>npm trust list|github|gitlab|circleci|revoke</c>, lib/trust-cmd.js and lib/commands/trust/*)
    /// over the shared <see cref="RegistryTransport"/>: GET, POST and DELETE on <c>/-/package/{name}/trust</c>. The create
    /// body is built the way npm builds it (same keys, same order), so the registry sees the same request from either
    /// client. Every call is one the registry may answer with a second-factor challenge; the caller wraps it in
    /// <see cref="RegistryOtp.Run{T}"/>.
    /// </summary>
    public sealed class NpmTrustClient
    {
        public const string CreatePackage = "createPackage";
        public const string CreateStagedPackage = "createStagedPackage";
        private static readonly Regex Uuid = new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private readonly RegistryTransport _transport;

        public NpmTrustClient(RegistryTransport transport) { _transport = transport ?? throw new ArgumentNullException(nameof(transport)); }

        public static bool IsUuid(string? value) => value != null && Uuid.IsMatch(value);

        /// <summary>GET {registry}-/package/{name}/trust: the package's configurations (npm treats an empty body or [] as none).</summary>
        public IReadOnlyList<NpmTrustedPublisher> List(string registry, RegistryCredential credential, string package, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false)
        {
            var url = TrustUrl(registry, package, "");
            var body = RegistryTransport.Sync(() => _transport.SendJsonAsync(Request(HttpMethod.Get, url, credential, otp, legacyAuth), cancellationToken));
            return Read(body, package, RegistryEndpoint.Safe(registry), RegistryEndpoint.Safe(url.AbsoluteUri));
        }

        /// <summary>POST {registry}-/package/{name}/trust with [config] (npm's one-element array); returns what the registry created.</summary>
        public IReadOnlyList<NpmTrustedPublisher> Create(string registry, RegistryCredential credential, NpmTrustedPublisher config, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            var url = TrustUrl(registry, config.Package, "");
            var request = Request(HttpMethod.Post, url, credential, otp, legacyAuth);
            request.JsonBody = CreateBody(config);
            var body = RegistryTransport.Sync(() => _transport.SendJsonAsync(request, cancellationToken));
            return Read(body, config.Package, RegistryEndpoint.Safe(registry), RegistryEndpoint.Safe(url.AbsoluteUri));
        }

        /// <summary>DELETE {registry}-/package/{name}/trust/{id} (npm trust revoke; the id encodeURIComponent'd, as npm does).</summary>
        public void Delete(string registry, RegistryCredential credential, string package, string configId, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false)
        {
            if (!IsUuid(configId)) throw new ArgumentException($"'{configId}' is not a trust configuration id (a UUID; Get-NpmTrustedPublisher shows it).", nameof(configId));
            var url = TrustUrl(registry, package, "/" + Uri.EscapeDataString(configId));
            RegistryTransport.Sync(() => _transport.SendAsync(Request(HttpMethod.Delete, url, credential, otp, legacyAuth), cancellationToken));
        }

        /// <summary>
        /// The POST body npm sends: <c>[{"type", "claims": {...}, "permissions": [...]}]</c>, claims in the order of npm's
        /// optionsToBody for the provider, permissions createPackage before createStagedPackage.
        /// </summary>
        public static string CreateBody(NpmTrustedPublisher config)
        {
            var claims = new JsObject();
            string type;
            switch (config.Provider)
            {
                case "GitHub":
                    type = "github";
                    claims["repository"] = Required(config.Repository, "Repository");
                    claims["workflow_ref"] = new JsObject { ["file"] = Required(config.WorkflowFile, "WorkflowFile") };
                    if (!string.IsNullOrEmpty(config.Environment)) claims["environment"] = config.Environment;
                    break;
                case "GitLab":
                    type = "gitlab";
                    claims["project_path"] = Required(config.Repository, "Repository");
                    claims["ci_config_ref_uri"] = new JsObject { ["file"] = Required(config.WorkflowFile, "WorkflowFile") };
                    if (!string.IsNullOrEmpty(config.Environment)) claims["environment"] = config.Environment;
                    break;
                case "CircleCI":
                    type = "circleci";
                    claims["oidc.circleci.com/org-id"] = Required(config.OrgId, "OrgId");
                    claims["oidc.circleci.com/project-id"] = Required(config.ProjectId, "ProjectId");
                    claims["oidc.circleci.com/pipeline-definition-id"] = Required(config.PipelineDefinitionId, "PipelineDefinitionId");
                    claims["oidc.circleci.com/vcs-origin"] = Required(config.VcsOrigin, "VcsOrigin");
                    if (config.ContextId != null && config.ContextId.Length > 0) claims["oidc.circleci.com/context-ids"] = config.ContextId.Cast<object?>().ToList();
                    break;
                case "Buildkite":
                    // not in npm 11.19.1; the claim names follow the registry reference (../shared/npm-registry-api.md §5.2)
                    type = "buildkite";
                    claims["organization_slug"] = Required(config.Organization, "Organization");
                    claims["pipeline_slug"] = Required(config.Pipeline, "Pipeline");
                    break;
                default:
                    throw new ArgumentException($"'{config.Provider}' is not a trusted publishing provider (GitHub, GitLab, CircleCI, Buildkite).");
            }
            var asked = config.Permissions ?? Array.Empty<string>();
            foreach (var p in asked)
                if (p != CreatePackage && p != CreateStagedPackage)
                    throw new ArgumentException($"'{p}' is not a trusted publisher permission ({CreatePackage}, {CreateStagedPackage}).");
            // trust-cmd.js pushes createPackage first, then createStagedPackage
            var permissions = new List<object?>();
            if (asked.Contains(CreatePackage)) permissions.Add(CreatePackage);
            if (asked.Contains(CreateStagedPackage)) permissions.Add(CreateStagedPackage);
            if (permissions.Count == 0) throw new ArgumentException("A trusted publisher needs at least one permission (npm: --allow-publish or --allow-stage-publish).");
            var item = new JsObject { ["type"] = type, ["claims"] = claims, ["permissions"] = permissions };
            return Js.Js.ToJson(new List<object?> { item });
        }

        /// <summary>Two configurations ask for the same thing (provider, claims, permissions); ids and registry aside.</summary>
        public static bool SameConfiguration(NpmTrustedPublisher a, NpmTrustedPublisher b)
        {
            try { return CreateBody(a) == CreateBody(b); }
            catch (ArgumentException) { return false; }
        }

        /// <summary>
        /// The <paramref name="count"/> most recently published versions of a package (GET {registry}{name}, the full
        /// document, whose versions carry _npmUser, read by <see cref="NpmPackumentReader"/> as it arrives), newest first.
        /// Each release keeps its markers (trustedPublisher, approver, provenance) as read, one never inferred from another.
        /// </summary>
        public IReadOnlyList<NpmPackageRelease> RecentReleases(string registry, RegistryCredential? credential, string package, int count, CancellationToken cancellationToken = default)
        {
            var packument = new NpmReleaseClient(_transport).GetPackument(registry, credential, package, cancellationToken: cancellationToken);
            var here = RegistryEndpoint.Safe(RegistryTransport.Endpoint(registry, RegistryPackageName.Escape(package)).AbsoluteUri);
            return Newest(packument, here, count);
        }

        /// <summary>Newest first by publish time; versions without a time last, in the document's order.</summary>
        internal static IReadOnlyList<NpmPackageRelease> Newest(NpmPackument packument, string here, int count)
        {
            if (!packument.HasVersions)
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: the package document has no 'versions' object.");
            var timed = packument.Releases.Where(r => r.PublishedAt.HasValue).OrderByDescending(r => r.PublishedAt);
            var untimed = packument.Releases.Where(r => !r.PublishedAt.HasValue);
            return timed.Concat(untimed).Take(count).ToList();
        }

        // ---- reading ------------------------------------------------------------------------------------------

        internal static IReadOnlyList<NpmTrustedPublisher> Read(object? body, string package, string registry, string here)
        {
            // list.js / displayResponseBody: an empty body or [] is "none"; a single object is one configuration
            if (body == null) return Array.Empty<NpmTrustedPublisher>();
            var items = body is List<object?> list ? list : body is JsObject single ? new List<object?> { single }
                : throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: the trust configurations are not a JSON array.");
            var result = new List<NpmTrustedPublisher>();
            foreach (var entry in items)
            {
                if (!(entry is JsObject o)) throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: a trust configuration is not a JSON object.");
                result.Add(Parse(o, package, registry, here));
            }
            return result;
        }

        internal static NpmTrustedPublisher Parse(JsObject o, string package, string registry, string here)
        {
            var type = o["type"] as string;
            var claims = o["claims"] as JsObject;
            var config = new NpmTrustedPublisher
            {
                Package = package,
                Registry = registry,
                ConfigId = o["id"] as string,
                Provider = type == "github" ? "GitHub" : type == "gitlab" ? "GitLab" : type == "circleci" ? "CircleCI" : type == "buildkite" ? "Buildkite" : (type ?? "Unknown"),
            };
            if (claims != null)
                foreach (var key in claims.Keys)
                {
                    var v = claims[key];
                    config.Claims[key] = v is string s ? s : Js.Js.ToJson(v);
                }
            string? File(object? claim) => claim is JsObject f ? f["file"] as string : null;
            switch (type)
            {
                case "github":
                    config.Repository = claims?["repository"] as string;
                    config.WorkflowFile = File(claims?["workflow_ref"]);
                    config.Environment = claims?["environment"] as string;
                    break;
                case "gitlab":
                    config.Repository = claims?["project_path"] as string;
                    config.WorkflowFile = File(claims?["ci_config_ref_uri"]);
                    config.Environment = claims?["environment"] as string;
                    break;
                case "circleci":
                    config.OrgId = claims?["oidc.circleci.com/org-id"] as string;
                    config.ProjectId = claims?["oidc.circleci.com/project-id"] as string;
                    config.PipelineDefinitionId = claims?["oidc.circleci.com/pipeline-definition-id"] as string;
                    config.VcsOrigin = claims?["oidc.circleci.com/vcs-origin"] as string;
                    if (claims?["oidc.circleci.com/context-ids"] is List<object?> contexts) config.ContextId = contexts.OfType<string>().ToArray();
                    break;
                case "buildkite":
                    config.Organization = claims?["organization_slug"] as string;
                    config.Pipeline = claims?["pipeline_slug"] as string;
                    break;
            }
            if (o["permissions"] is List<object?> permissions)
            {
                config.Permissions = permissions.OfType<string>().ToArray();
                config.AllowsDirectPublish = config.Permissions.Contains(CreatePackage);
                config.AllowsStagePublish = config.Permissions.Contains(CreateStagedPackage);
            }
            else
            {
                // configurations made before permissions existed publish directly; whether they may stage is not known
                config.Permissions = null;
                config.AllowsDirectPublish = true;
                config.AllowsStagePublish = null;
            }
            return config;
        }

        // ---- shared -------------------------------------------------------------------------------------------

        private static string Required(string? value, string name) =>
            string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"The trusted publisher needs {name}.") : value!;

        private static Uri TrustUrl(string registry, string package, string suffix)
        {
            if (NpmStageClient.CheckPackageName(package) is string why) throw new ArgumentException($"'{package}': {why}.", nameof(package));
            return RegistryTransport.Endpoint(registry, "-/package/" + RegistryPackageName.Escape(package) + "/trust" + suffix);
        }

        private static RegistryRequest Request(HttpMethod method, Uri url, RegistryCredential credential, string? otp, bool legacyAuth)
        {
            var request = new RegistryRequest(method, url, credential) { Otp = otp };
            // as npm 11 sends them: the command's name, auth-type web unless the code came from --otp
            request.Headers["npm-command"] = "trust";
            request.Headers["npm-auth-type"] = legacyAuth ? "legacy" : "web";
            return request;
        }
    }
}
