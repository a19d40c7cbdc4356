using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// Package access and organisation membership (<c>npm access</c> through libnpmaccess, <c>npm org ls</c> through
    /// libnpmorg) over the shared <see cref="RegistryTransport"/>: who can publish a package, whether it is public, the
    /// packages and members of an organisation, and the writes <c>npm access set mfa=…|status=…</c> make. The registry
    /// has no endpoint that reads a package's two-factor policy back.
    /// </summary>
    public sealed class NpmAccessClient
    {
        private readonly RegistryTransport _transport;

        public NpmAccessClient(RegistryTransport transport) { _transport = transport ?? throw new ArgumentNullException(nameof(transport)); }

        /// <summary>GET -/package/{name}/collaborators: user → read|write.</summary>
        public IReadOnlyList<NpmPackageCollaborator> GetCollaborators(string registry, RegistryCredential credential, string package, CancellationToken cancellationToken = default)
        {
            var url = PackageUrl(registry, package, "collaborators");
            var map = Map(RegistryTransport.Sync(() => _transport.SendJsonAsync(Read(url, credential, "access"), cancellationToken)), url);
            return map.Select(kv => new NpmPackageCollaborator
            {
                Package = package, User = kv.Key, Permission = Permission(kv.Value), CanPublish = kv.Value == "write", Registry = RegistryEndpoint.Safe(registry),
            }).OrderBy(c => c.User, StringComparer.Ordinal).ToList();
        }

        /// <summary>GET -/package/{name}/visibility: <c>{"public": bool}</c>; Public, Restricted, or Unknown without the flag.</summary>
        public string GetVisibility(string registry, RegistryCredential credential, string package, CancellationToken cancellationToken = default)
        {
            var url = PackageUrl(registry, package, "visibility");
            var body = RegistryTransport.Sync(() => _transport.SendJsonAsync(Read(url, credential, "access"), cancellationToken));
            if (!(body is JsObject o)) throw Invalid(url, "the visibility answer is not a JSON object");
            // access.js prints visibility.public ? 'public' : 'private'; a missing flag is not read as private here
            return o["public"] is bool isPublic ? (isPublic ? "Public" : "Restricted") : "Unknown";
        }

        /// <summary>
        /// POST -/package/{name}/access with libnpmaccess.setMfa's body: <paramref name="requireTwoFactor"/> false →
        /// <c>{"publish_requires_tfa":false}</c>; true → also <c>automation_token_overrides_tfa</c> = !<paramref name="disallowTokens"/>.
        /// </summary>
        public void SetTwoFactor(string registry, RegistryCredential credential, string package, bool requireTwoFactor, bool disallowTokens, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false)
        {
            var body = new JsObject { ["publish_requires_tfa"] = requireTwoFactor };
            if (requireTwoFactor) body["automation_token_overrides_tfa"] = !disallowTokens;
            Post(registry, credential, package, body, otp, legacyAuth, cancellationToken);
        }

        /// <summary>POST -/package/{name}/access <c>{"access": "public"|"restricted"}</c> (npm access set status=…; scoped packages only).</summary>
        public void SetVisibility(string registry, RegistryCredential credential, string package, bool isPublic, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false)
        {
            if (!package.StartsWith("@", StringComparison.Ordinal))
                throw new ArgumentException($"'{package}': only scoped packages can change their visibility (npm: This command is only available for scoped packages).");
            Post(registry, credential, package, new JsObject { ["access"] = isPublic ? "public" : "restricted" }, otp, legacyAuth, cancellationToken);
        }

        /// <summary>The body <see cref="SetTwoFactor"/> sends, for -WhatIf and the tests.</summary>
        public static string TwoFactorBody(bool requireTwoFactor, bool disallowTokens)
        {
            var body = new JsObject { ["publish_requires_tfa"] = requireTwoFactor };
            if (requireTwoFactor) body["automation_token_overrides_tfa"] = !disallowTokens;
            return Js.Js.ToJson(body);
        }

        /// <summary>
        /// GET -/org/{org}/package: package → read|write. Like libnpmaccess.getPackages, a 404 (the name is a user, not an
        /// organisation) is asked again at -/user/{name}/package.
        /// </summary>
        public IReadOnlyList<NpmOrgPackage> GetOrgPackages(string registry, RegistryCredential credential, string org, CancellationToken cancellationToken = default)
        {
            var scope = ScopeOf(org);
            var url = RegistryTransport.Endpoint(registry, "-/org/" + RegistryPackageName.EscapeScope(scope) + "/package");
            bool user = false;
            object? body;
            try { body = RegistryTransport.Sync(() => _transport.SendJsonAsync(Read(url, credential, "access"), cancellationToken)); }
            catch (RegistryException e) when (e.StatusCode == 404)
            {
                url = RegistryTransport.Endpoint(registry, "-/user/" + RegistryPackageName.EscapeScope(scope) + "/package");
                user = true;
                body = RegistryTransport.Sync(() => _transport.SendJsonAsync(Read(url, credential, "access"), cancellationToken));
            }
            return Map(body, url).Select(kv => new NpmOrgPackage
            {
                Org = scope, Package = kv.Key, Permission = Permission(kv.Value), FromUserScope = user, Registry = RegistryEndpoint.Safe(registry),
            }).OrderBy(p => p.Package, StringComparer.Ordinal).ToList();
        }

        /// <summary>GET -/org/{org}/user (libnpmorg.ls, what <c>npm org ls</c> prints): user → developer|admin|owner.</summary>
        public IReadOnlyList<NpmOrgMember> GetOrgMembers(string registry, RegistryCredential credential, string org, CancellationToken cancellationToken = default)
        {
            var scope = ScopeOf(org);
            var url = RegistryTransport.Endpoint(registry, "-/org/" + RegistryPackageName.EscapeScope(scope) + "/user");
            var map = Map(RegistryTransport.Sync(() => _transport.SendJsonAsync(Read(url, credential, "org"), cancellationToken)), url);
            return map.Select(kv => new NpmOrgMember { Org = scope, User = kv.Key, Role = kv.Value, Registry = RegistryEndpoint.Safe(registry) })
                .OrderBy(m => m.User, StringComparer.Ordinal).ToList();
        }

        // ---- shared -------------------------------------------------------------------------------------------

        private void Post(string registry, RegistryCredential credential, string package, JsObject body, string? otp, bool legacyAuth, CancellationToken cancellationToken)
        {
            var url = PackageUrl(registry, package, "access");
            var request = new RegistryRequest(HttpMethod.Post, url, credential) { Otp = otp, JsonBody = Js.Js.ToJson(body) };
            request.Headers["npm-command"] = "access";
            request.Headers["npm-auth-type"] = legacyAuth ? "legacy" : "web";
            // libnpmaccess: ignoreBody; any 2xx is success
            RegistryTransport.Sync(() => _transport.SendAsync(request, cancellationToken));
        }

        private static RegistryRequest Read(Uri url, RegistryCredential credential, string command)
        {
            var request = new RegistryRequest(HttpMethod.Get, url, credential);
            request.Headers["npm-command"] = command;
            request.Headers["npm-auth-type"] = "web";
            return request;
        }

        private static string ScopeOf(string org)
        {
            if (RegistryPackageName.CheckScope(org) is string why) throw new ArgumentException($"'{org}': {why}.", nameof(org));
            return org.TrimStart('@');
        }

        private static Uri PackageUrl(string registry, string package, string leaf)
        {
            if (NpmStageClient.CheckPackageName(package) is string why) throw new ArgumentException($"'{package}': {why}.", nameof(package));
            return RegistryTransport.Endpoint(registry, "-/package/" + RegistryPackageName.Escape(package) + "/" + leaf);
        }

        /// <summary>A flat JSON object of names to strings (the shape of every list here); anything else is InvalidResponse.</summary>
        private static List<KeyValuePair<string, string>> Map(object? body, Uri url)
        {
            if (body == null) return new List<KeyValuePair<string, string>>();
            if (!(body is JsObject o)) throw Invalid(url, "the answer is not a JSON object of names");
            var result = new List<KeyValuePair<string, string>>();
            foreach (var key in o.Keys)
            {
                if (!(o[key] is string value)) throw Invalid(url, $"the entry '{Shorten(key)}' is not a string");
                result.Add(new KeyValuePair<string, string>(key, value));
            }
            return result;
        }

        private static string Shorten(string s) => s.Length > 60 ? s.Substring(0, 60) + "…" : s;

        /// <summary>access.js's display words: read → read-only, write → read-write.</summary>
        private static string Permission(string raw) => raw == "read" ? "read-only" : raw == "write" ? "read-write" : raw;

        private static RegistryException Invalid(Uri url, string what)
        {
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            return new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {what}; is this an npm registry?");
        }
    }
}
