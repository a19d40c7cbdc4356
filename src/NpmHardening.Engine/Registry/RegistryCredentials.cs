using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// A credential npm would send to a registry. The secret stays internal: outside the engine only its kind,
    /// where it came from, its redaction and its fingerprint are visible, and ToString shows nothing else.
    /// </summary>
    public sealed class RegistryCredential
    {
        private RegistryCredential(string kind, string? token, string? basicAuth, string? username, string? scope, string? source, string? refusal = null)
        {
            Kind = kind; Token = token; BasicAuth = basicAuth; Username = username; Scope = scope; Source = source; Refusal = refusal;
        }

        /// <summary>
        /// Why npm's credential for the URL is not sent: a <c>${VAR}</c> reference whose value is not the audited account's
        /// own, or that sits in a file someone else controls (<see cref="SecretProvenance"/>). Null when it may be sent.
        /// </summary>
        public string? Refusal { get; }

        /// <summary>The config key that supplied it (_authToken, _auth, username, certfile) or "token"/"credential" for explicit ones.</summary>
        public string Kind { get; }
        /// <summary>The nerf-dart key npm matched (<c>//host/path/</c>); null for explicit credentials.</summary>
        public string? Scope { get; }
        /// <summary>"path:line", the environment variable, or what the caller passed ("-Token").</summary>
        public string? Source { get; }
        /// <summary>The user name of username/_password and of explicit user+password credentials.</summary>
        public string? Username { get; }
        internal string? Token { get; }
        /// <summary>base64(user:password), as npm sends it after "Basic ".</summary>
        internal string? BasicAuth { get; }

        /// <summary>True when the credential produces an Authorization header (client certificates do not).</summary>
        public bool CanAuthorize => Token != null || BasicAuth != null;
        public bool IsToken => Token != null;
        public string? Fingerprint => Secret != null ? NpmCredential.Fingerprint(Secret) : null;
        public string? Redacted => Secret != null ? NpmCredential.Redact(Secret) : null;
        internal string? Secret => Token ?? BasicAuth;

        /// <summary>The header npm-registry-fetch builds: Bearer for a token, else Basic.</summary>
        internal string? AuthorizationHeader => Token != null ? "Bearer " + Token : BasicAuth != null ? "Basic " + BasicAuth : null;

        public static RegistryCredential FromToken(string token, string source = "-Token")
        {
            if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("The token is empty.", nameof(token));
            return new RegistryCredential("token", token.Trim(), null, null, null, source);
        }

        public static RegistryCredential FromUserPassword(string username, string password, string source = "-Credential")
        {
            if (string.IsNullOrEmpty(username)) throw new ArgumentException("The user name is empty.", nameof(username));
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + (password ?? "")));
            return new RegistryCredential("credential", null, basic, username, null, source);
        }

        internal static RegistryCredential FromConfig(string kind, string? token, string? basicAuth, string? username, string scope, string? source) =>
            new RegistryCredential(kind, token, basicAuth, username, scope, source);

        internal static RegistryCredential NotChecked(string kind, string scope, string? source, string refusal) =>
            new RegistryCredential(kind, null, null, null, scope, source, refusal);

        public override string ToString() => $"{Kind} from {Source ?? "?"}" + (Fingerprint != null ? $" (fingerprint {Fingerprint})" : "");
    }

    /// <summary>
    /// npm-registry-fetch's getAuth (lib/auth.js) over a resolved configuration: walk up the request URL's path
    /// to the longest <c>//host/path/:</c> key that holds auth (_authToken, then _auth, then username with
    /// _password, then certfile with keyfile); when none matches and the request goes to the host of the
    /// configured registry, use the registry's auth. Values are npm's, after its <c>${VAR}</c> expansion.
    /// </summary>
    public static class RegistryCredentials
    {
        public static RegistryCredential? ForUrl(NpmConfigResolution resolution, string url)
        {
            if (resolution == null) throw new ArgumentNullException(nameof(resolution));
            return ForUrl(key => Lookup(resolution, key), url);
        }

        /// <summary>
        /// npm's credential for <paramref name="url"/>, with its secret taken only where <paramref name="provenance"/> allows
        /// (the rules Test-NpmrcToken -Online applies): a value written literally in a file is npm's value; a <c>${VAR}</c>
        /// reference is resolved again from the audited account's own environment, and only for a line in a file that
        /// account or an administrator owns. Otherwise the credential comes back with <see cref="RegistryCredential.Refusal"/> and no secret.
        /// </summary>
        public static RegistryCredential? ForUrl(NpmConfigResolution resolution, string url, SecretProvenance provenance)
        {
            if (provenance == null) throw new ArgumentNullException(nameof(provenance));
            var chosen = ForUrl(resolution, url);
            if (chosen?.Scope == null || chosen.Kind == "certfile") return chosen;
            string? Value(string name, out string? refusal)
            {
                refusal = null;
                var v = resolution.GetEffective(chosen.Scope + ":" + name);
                return v == null ? null : Sendable(v, provenance, out refusal);
            }
            string? why;
            switch (chosen.Kind)
            {
                case "_authToken":
                    var token = Value("_authToken", out why);
                    return why != null || string.IsNullOrEmpty(token) ? RegistryCredential.NotChecked(chosen.Kind, chosen.Scope, chosen.Source, why ?? "the token is empty")
                        : RegistryCredential.FromConfig(chosen.Kind, token, null, null, chosen.Scope, chosen.Source);
                case "_auth":
                    var auth = Value("_auth", out why);
                    return why != null || string.IsNullOrEmpty(auth) ? RegistryCredential.NotChecked(chosen.Kind, chosen.Scope, chosen.Source, why ?? "_auth is empty")
                        : RegistryCredential.FromConfig(chosen.Kind, null, auth, null, chosen.Scope, chosen.Source);
                default:
                    var user = Value("username", out why);
                    string? passwordWhy = null;
                    var password = why == null ? Value("_password", out passwordWhy) : null;
                    why ??= passwordWhy;
                    if (why != null || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
                        return RegistryCredential.NotChecked(chosen.Kind, chosen.Scope, chosen.Source, why ?? "the user name or password is empty");
                    var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + DecodeBase64Lenient(password!)));
                    return RegistryCredential.FromConfig(chosen.Kind, null, basic, user, chosen.Scope, chosen.Source);
            }
        }

        /// <summary>A resolved value as it may be sent: npm's own when it holds no reference, else resolved under the provenance rules.</summary>
        private static string? Sendable(NpmConfigValue v, SecretProvenance provenance, out string? refusal)
        {
            refusal = null;
            if (!(v.RawValue is string raw) || !EnvExpansion.References(raw).Any()) return JsString(v.Value);
            if (v.EnvironmentVariable != null)
            {
                // an npm_config_ variable of this process: the account running the module's own, and nobody else's
                if (provenance.ProcessEnvironment != null) return JsString(v.Value);
                refusal = $"{v.EnvironmentVariable} is not a variable of the audited account";
                return null;
            }
            if (v.Source == null || v.Line == null)
            {
                refusal = $"{Describe(v)} is not a file line whose owner can be checked";
                return null;
            }
            var resolved = provenance.Resolve(v.Source, v.Line.Value, v.Key, raw);
            refusal = resolved.Refusal;
            return resolved.Secret;
        }

        /// <summary>The same lookup over any key → (value, source) function (tests, other hosts).</summary>
        public static RegistryCredential? ForUrl(Func<string, (object? Value, string? Source)?> config, string url)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            bool Truthy(string key) => config(key) is { } v && Js.Js.IsTruthy(v.Value);
            var regKey = NerfDart.FindScope(url, Truthy);
            if (regKey == null)
            {
                // "no auth for this URI, but might have it for the registry": same host as `registry`
                var registry = config("registry")?.Value as string;
                if (registry != null && url != registry && SameHost(url, registry)) return ForUrl(config, registry);
                return null;
            }
            string? Str(string name) => config(regKey + ":" + name) is { } v && Js.Js.IsTruthy(v.Value) ? JsString(v.Value) : null;
            string? Src(string name) => config(regKey + ":" + name)?.Source;

            // new Auth(): token wins, then _auth, then username + _password (base64 password decoded, re-encoded with the user)
            var token = Str("_authToken");
            if (token != null) return RegistryCredential.FromConfig("_authToken", token, null, null, regKey, Src("_authToken"));
            var auth = Str("_auth");
            if (auth != null) return RegistryCredential.FromConfig("_auth", null, auth, null, regKey, Src("_auth"));
            var username = Str("username");
            var password = Str("_password");
            if (username != null && password != null)
            {
                var clear = DecodeBase64Lenient(password);
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + clear));
                return RegistryCredential.FromConfig("username", null, basic, username, regKey, Src("_password"));
            }
            if (Str("certfile") != null && Str("keyfile") != null)
                return RegistryCredential.FromConfig("certfile", null, null, null, regKey, Src("certfile"));
            return null;
        }

        private static (object? Value, string? Source)? Lookup(NpmConfigResolution resolution, string key)
        {
            var v = resolution.GetEffective(key);
            if (v == null) return null;
            return (v.Value, Describe(v));
        }

        /// <summary>Where a value came from, without the value: "file:line", the variable, or the layer's source.</summary>
        public static string Describe(NpmConfigValue v) =>
            v.EnvironmentVariable ?? (v.Source != null && v.Line != null ? v.Source + ":" + v.Line.Value.ToString(CultureInfo.InvariantCulture) : v.Source ?? v.Layer.ToString());

        /// <summary>The registry URLs a configuration names: <c>registry</c> and every <c>@scope:registry</c>.</summary>
        public static IReadOnlyList<string> ConfiguredRegistries(NpmConfigResolution resolution)
        {
            var list = new List<string>();
            foreach (var key in resolution.Keys)
            {
                if (key != "registry" && !(key.StartsWith("@", StringComparison.Ordinal) && key.EndsWith(":registry", StringComparison.Ordinal))) continue;
                if (resolution.GetEffective(key)?.Value is string s && s.Length > 0 && !list.Contains(s)) list.Add(s);
            }
            return list;
        }

        private static bool SameHost(string a, string b) =>
            NerfDart.TryParse(a, out var ha, out _) && NerfDart.TryParse(b, out var hb, out _) && ha == hb;

        private static string JsString(object? v) => v switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            double d => Js.Js.NumberToString(d),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
        };

        /// <summary>Node's Buffer.from(s, 'base64'): skips characters outside the alphabet, tolerates missing padding.</summary>
        internal static string DecodeBase64Lenient(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (var c in s)
            {
                if (c == '=') break;
                if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') sb.Append(c);
                else if (c == '-') sb.Append('+');
                else if (c == '_') sb.Append('/');
            }
            if (sb.Length % 4 == 1) sb.Length--;
            while (sb.Length % 4 != 0) sb.Append('=');
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(sb.ToString())); }
            catch (FormatException) { return ""; }
        }
    }
}
