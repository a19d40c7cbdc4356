using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// The account endpoints the module reads: /-/whoami, /-/npm/v1/user and /-/npm/v1/tokens. Only called when the
    /// user asks for an online check. Every request goes through <see cref="RegistryTransport"/>, which holds the rules
    /// (https or loopback only, no proxy nobody asked for, same-origin redirects, timeouts, bounded bodies, no secret in
    /// any log line or error); the credential goes only to the URL given (callers pick it with
    /// <see cref="RegistryCredentials"/> or <see cref="RegistryEndpoint"/>).
    /// </summary>
    public sealed class NpmRegistryClient : IDisposable
    {
        private readonly RegistryTransport _transport;
        private readonly bool _ownsTransport;
        private readonly RegistryClientOptions _options;

        public NpmRegistryClient(RegistryClientOptions? options = null)
            : this(new RegistryTransport(options), ownsTransport: true) { }

        /// <summary>A client over a transport shared with other registry clients (the cmdlets make one per pipeline).</summary>
        public NpmRegistryClient(RegistryTransport transport) : this(transport, ownsTransport: false) { }

        private NpmRegistryClient(RegistryTransport transport, bool ownsTransport)
        {
            _transport = transport ?? throw new ArgumentNullException(nameof(transport));
            _ownsTransport = ownsTransport;
            _options = transport.Options;
        }

        public RegistryTransport Transport => _transport;
        public string UserAgent => _transport.UserAgent;
        internal static string Version => RegistryTransport.Version;

        public void Dispose()
        {
            if (_ownsTransport) _transport.Dispose();
        }

        // ---- endpoints ------------------------------------------------------------------------------------

        /// <summary>GET {registry}-/whoami → the user name; null when the registry answers without one (npm: ENEEDAUTH).</summary>
        public string? WhoAmI(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default) =>
            Sync(() => WhoAmIAsync(registryUrl, credential, cancellationToken));

        public async Task<string?> WhoAmIAsync(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default)
        {
            var body = await GetJsonAsync(Endpoint(registryUrl, "-/whoami"), credential, cancellationToken).ConfigureAwait(false);
            // get-identity.js: only a string username counts
            return body is JsObject o && o["username"] is string u ? u : null;
        }

        /// <summary>GET {registry}-/npm/v1/user (npm profile get): name, email, verification, 2FA, dates.</summary>
        public NpmAccount GetProfile(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default) =>
            Sync(() => GetProfileAsync(registryUrl, credential, cancellationToken));

        public async Task<NpmAccount> GetProfileAsync(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default)
        {
            var url = Endpoint(registryUrl, "-/npm/v1/user");
            var body = await GetJsonAsync(url, credential, cancellationToken).ConfigureAwait(false);
            if (!(body is JsObject o)) throw Invalid(url, "the profile is not a JSON object");
            var account = new NpmAccount { Registry = RegistryEndpoint.Safe(registryUrl), ProfileAvailable = true };
            account.User = o["name"] as string;
            account.Email = o["email"] is string e && e.Length > 0 ? e : null;
            account.EmailVerified = o["email_verified"] as bool?;
            // profile.js: "two-factor auth" is tfa.mode unless tfa is missing, false or still pending
            if (o["tfa"] is JsObject tfa && !Js.Js.IsTruthy(tfa["pending"]) && tfa["mode"] is string mode && mode.Length > 0)
            {
                account.TwoFactorMode = mode;
                account.TwoFactorEnabled = true;
            }
            else
            {
                account.TwoFactorMode = "disabled";
                account.TwoFactorEnabled = false;
            }
            account.Created = Date(o["created"]);
            account.Updated = Date(o["updated"]);
            return account;
        }

        /// <summary>whoami, then the profile when the registry has one: the account behind a credential.</summary>
        public NpmAccount GetAccount(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default) =>
            Sync(() => GetAccountAsync(registryUrl, credential, cancellationToken));

        public async Task<NpmAccount> GetAccountAsync(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default)
        {
            var user = await WhoAmIAsync(registryUrl, credential, cancellationToken).ConfigureAwait(false);
            if (user == null)
                throw new RegistryException(RegistryErrorKind.Unauthorized, Endpoint(registryUrl, "-/whoami").ToString(),
                    $"{RegistryEndpoint.Safe(registryUrl)} does not recognise the credential ({credential.Kind} from {credential.Source ?? "?"}): /-/whoami named no user. Log in again or replace the token.");
            NpmAccount account;
            try
            {
                account = await GetProfileAsync(registryUrl, credential, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound || e.Kind == RegistryErrorKind.InvalidResponse)
            {
                Log($"{RegistryEndpoint.Safe(registryUrl)} has no usable profile endpoint ({e.Message}); reporting the user only.");
                account = new NpmAccount { Registry = RegistryEndpoint.Safe(registryUrl), ProfileAvailable = false };
            }
            account.User = user;
            account.Source = credential.Source;
            account.CredentialKind = credential.Kind;
            account.Fingerprint = credential.Fingerprint;
            return account;
        }

        /// <summary>Every page of {registry}-/npm/v1/tokens (npm token list), following urls.next on the same origin.</summary>
        public IReadOnlyList<NpmAccessToken> GetTokens(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default) =>
            Sync(() => GetTokensAsync(registryUrl, credential, cancellationToken));

        public async Task<IReadOnlyList<NpmAccessToken>> GetTokensAsync(string registryUrl, RegistryCredential credential, CancellationToken cancellationToken = default)
        {
            var first = Endpoint(registryUrl, "-/npm/v1/tokens");
            var registry = RegistryEndpoint.Safe(registryUrl);
            var tokens = new List<NpmAccessToken>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            Uri? href = first;
            for (int page = 0; href != null; page++)
            {
                if (page >= _options.MaxTokenPages)
                    throw Invalid(href, $"the token list has more than {_options.MaxTokenPages} pages; stopped");
                if (!seen.Add(href.AbsoluteUri)) throw Invalid(href, "the token list's next page points back to a page already read");
                var pageUrl = href;
                var body = await GetJsonAsync(pageUrl, credential, cancellationToken).ConfigureAwait(false);
                if (!(body is JsObject o) || !(o["objects"] is List<object?> objects)) throw Invalid(pageUrl, "the token list has no 'objects' array");
                foreach (var item in objects)
                    if (item is JsObject t) tokens.Add(ParseToken(t, registry, credential));
                href = null;
                // token.js paginate(): href = result.urls.next, until it is empty
                if (o["urls"] is JsObject urls && urls["next"] is string next && next.Length > 0)
                {
                    if (!Uri.TryCreate(pageUrl, next, out var nextUri)) throw Invalid(pageUrl, "the token list's next page is not a URL");
                    if (!SameOrigin(first, nextUri))
                        throw new RegistryException(RegistryErrorKind.CrossOriginRedirect, RegistryEndpoint.Safe(pageUrl.AbsoluteUri),
                            $"{registry}: the token list's next page is on another origin ({Origin(nextUri)}); it is not requested with the credential.");
                    href = nextUri;
                }
            }
            MarkCurrent(tokens, credential);
            return tokens;
        }

        // ---- the online token check -----------------------------------------------------------------------

        /// <summary>
        /// Test-NpmrcToken -Online: is a token configured for <paramref name="scope"/> accepted by that registry,
        /// whose is it, and what does the registry's token list say about it. Never throws for registry problems:
        /// they become <see cref="NpmTokenCheck.Error"/> with Valid null.
        /// </summary>
        public NpmTokenCheck CheckToken(string scope, IEnumerable<string> configuredRegistries, string token, CancellationToken cancellationToken = default) =>
            Sync(() => CheckTokenAsync(scope, configuredRegistries, token, cancellationToken));

        public async Task<NpmTokenCheck> CheckTokenAsync(string scope, IEnumerable<string> configuredRegistries, string token, CancellationToken cancellationToken = default)
        {
            var target = RegistryEndpoint.Resolve(scope, configuredRegistries);
            var check = new NpmTokenCheck { Registry = target.Url, Scope = scope ?? "" };
            if (target.IsRefused)
            {
                check.Refused = true;
                check.Error = $"Not checked: {target.Refusal}";
                Log($"{target.Url}: not contacted ({target.Refusal})");
                return check;
            }
            if (string.IsNullOrWhiteSpace(token))
            {
                check.Error = "Not checked: the token is empty.";
                return check;
            }
            var credential = RegistryCredential.FromToken(token, "config");
            try
            {
                var user = await WhoAmIAsync(target.Url, credential, cancellationToken).ConfigureAwait(false);
                check.Valid = user != null;
                check.User = user;
                if (user == null) check.Error = $"{target.Url} does not recognise the token: /-/whoami named no user.";
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.Unauthorized && !e.NeedsOtp && !e.AddressNotAllowed)
            {
                check.Valid = false;
                check.Error = e.Message;
            }
            catch (RegistryException e)
            {
                check.Refused = e.Kind == RegistryErrorKind.Refused;
                check.Error = e.Message;
            }
            if (check.Valid != true) return check;

            try
            {
                var profile = await GetProfileAsync(target.Url, credential, cancellationToken).ConfigureAwait(false);
                check.TwoFactorMode = profile.TwoFactorMode;
            }
            catch (RegistryException e) { Log($"{target.Url}: profile not read ({e.Message})"); }
            try
            {
                var tokens = await GetTokensAsync(target.Url, credential, cancellationToken).ConfigureAwait(false);
                var current = tokens.FirstOrDefault(t => t.IsCurrent);
                if (current != null)
                {
                    check.Readonly = current.Readonly;
                    check.BypassTwoFactor = current.BypassTwoFactor;
                    check.Expires = current.Expires;
                    check.HasCidr = current.CidrWhitelist.Length > 0;
                }
                else Log($"{target.Url}: the token list ({tokens.Count} entries) has no single entry matching this token");
            }
            catch (RegistryException e) { Log($"{target.Url}: token list not read ({e.Message})"); }
            return check;
        }

        /// <summary>
        /// Which listed token is the one we hold. The registry never returns a token, only a display form:
        /// npm's registry a leading prefix (npm token revoke accepts a full token when <c>token.indexOf(listed) === 0</c>),
        /// Verdaccio <c>first5...last5</c>. The entry matches when our token starts with the prefix (and ends with
        /// the suffix); only an unambiguous single match counts.
        /// </summary>
        internal static bool ListedTokenMatches(string? listed, string token)
        {
            if (string.IsNullOrEmpty(listed) || string.IsNullOrEmpty(token)) return false;
            var l = listed!.Trim().TrimEnd('…');
            foreach (var ellipsis in new[] { "...", "…" })
            {
                int at = l.IndexOf(ellipsis, StringComparison.Ordinal);
                if (at < 0) continue;
                var prefix = l.Substring(0, at);
                var suffix = l.Substring(at + ellipsis.Length);
                return prefix.Length > 0 && token.Length >= prefix.Length + suffix.Length &&
                       token.StartsWith(prefix, StringComparison.Ordinal) && token.EndsWith(suffix, StringComparison.Ordinal);
            }
            return l.Length > 0 && token.StartsWith(l, StringComparison.Ordinal);
        }

        private static void MarkCurrent(List<NpmAccessToken> tokens, RegistryCredential credential)
        {
            if (credential.Token == null) return;
            var matches = tokens.Where(t => t.ListedForm != null && ListedTokenMatches(t.ListedForm, credential.Token)).ToList();
            if (matches.Count == 1)
            {
                matches[0].IsCurrent = true;
                matches[0].Redacted = credential.Redacted;
            }
        }

        private static NpmAccessToken ParseToken(JsObject t, string registry, RegistryCredential credential)
        {
            var listed = t["token"] as string;
            var token = new NpmAccessToken
            {
                Registry = registry,
                Key = t["key"] as string ?? t["id"] as string,
                Name = t["name"] as string,
                Created = Date(t["created"]),
                Updated = Date(t["updated"]),
                Expires = Date(t["expires"]),
                Readonly = t["readonly"] as bool?,
                BypassTwoFactor = t["bypass_2fa"] as bool?,
                CidrWhitelist = Strings(t["cidr_whitelist"] ?? t["cidr"]),
                Scopes = Strings(t["scopes"]),
                Permissions = Permissions(t),
                ListedForm = listed,
                // our redaction of what the registry shows: at most the four leading characters Redact reveals
                Redacted = listed == null ? null : Shorten(listed),
            };
            return token;
        }

        private static string Shorten(string listed)
        {
            var l = listed.Trim();
            int keep = l.StartsWith("npm_", StringComparison.Ordinal) ? 6 : 2;
            return (l.Length > keep ? l.Substring(0, keep) : l) + "…";
        }

        private static string[] Strings(object? v) =>
            v is List<object?> list ? list.Select(x => x is string s ? s : Js.Js.ToJson(x)).Where(s => s.Length > 0).ToArray() : Array.Empty<string>();

        private static string[] Permissions(JsObject t)
        {
            var result = new List<string>();
            switch (t["permissions"])
            {
                case List<object?> list:
                    foreach (var p in list)
                    {
                        if (p is JsObject po && po["name"] is string n) result.Add(n + "=" + (po["action"] ?? po["value"] ?? po["access"]) );
                        else if (p is string s) result.Add(s);
                    }
                    break;
                case JsObject obj:
                    foreach (var k in obj.Keys) result.Add(k + "=" + (obj[k] is string sv ? sv : Js.Js.ToJson(obj[k])));
                    break;
            }
            foreach (var field in new[] { "packages", "orgs" })
                foreach (var s in Strings(t[field])) result.Add(field.TrimEnd('s') + ":" + s);
            foreach (var field in new[] { "packages_and_scopes_permission", "orgs_permission" })
                if (t[field] is string s) result.Add(field + "=" + s);
            return result.ToArray();
        }

        // ---- HTTP -----------------------------------------------------------------------------------------

        private Task<object?> GetJsonAsync(Uri url, RegistryCredential credential, CancellationToken cancellationToken)
        {
            if (credential == null) throw new ArgumentNullException(nameof(credential));
            return _transport.SendJsonAsync(new RegistryRequest(HttpMethod.Get, url, credential), cancellationToken);
        }

        private void Log(string line) => _transport.Log(line);

        private static Uri Endpoint(string registryUrl, string path) => RegistryTransport.Endpoint(registryUrl, path);

        private static RegistryException Invalid(Uri url, string what)
        {
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            return new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {what}.");
        }

        private static bool SameOrigin(Uri a, Uri b) => RegistryTransport.SameOrigin(a, b);

        private static string Origin(Uri u) => RegistryTransport.Origin(u);

        private static DateTimeOffset? Date(object? v) =>
            v is string s && s.Length > 0 && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
                ? d : (DateTimeOffset?)null;

        /// <summary>Runs the async body off any synchronization context, so cmdlets can block on it safely.</summary>
        private static T Sync<T>(Func<Task<T>> body) => RegistryTransport.Sync(body);
    }
}
