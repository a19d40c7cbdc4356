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
    /// <summary>How the registry client talks to registries.</summary>
    public sealed class RegistryClientOptions
    {
        /// <summary>Per request, headers and body included.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>A handler for tests; null means an HttpClientHandler that never follows redirects itself.</summary>
        public HttpMessageHandler? Handler { get; set; }
        /// <summary>Receives one line per request (method, URL, status, time); never a credential.</summary>
        public Action<string>? Log { get; set; }
        /// <summary>Stops following <c>urls.next</c> of the token list after this many pages.</summary>
        public int MaxTokenPages { get; set; } = 100;
        /// <summary>
        /// The proxy someone asked for (see <see cref="RegistryProxy"/>); null: every request goes direct. The client never
        /// takes a proxy from the system or the environment by itself, and never sends a loopback request through one.
        /// </summary>
        public RegistryProxy? Proxy { get; set; }
        /// <summary>Name resolution for "localhost" (tests stand in another machine's answer); null: the system resolver.</summary>
        internal Func<string, IPAddress[]>? ResolveHost { get; set; }
    }

    /// <summary>
    /// The npm registry endpoints the module reads: /-/whoami, /-/npm/v1/user and /-/npm/v1/tokens. Only
    /// called when the user asks for an online check. Rules: the credential goes only to the URL given (callers
    /// pick it with <see cref="RegistryCredentials"/> or <see cref="RegistryEndpoint"/>), over https or to a
    /// loopback address (a literal one, or "localhost" resolved here to loopback addresses only and connected to by
    /// address); never through a proxy nobody asked for, and never through any proxy to a loopback address;
    /// redirects are followed only within the same scheme, host and port; every request has a timeout; log lines
    /// and errors carry the URL and never the credential.
    /// </summary>
    public sealed class NpmRegistryClient : IDisposable
    {
        private const int MaxRedirects = 5;
        private const int MaxBodyBytes = 8 * 1024 * 1024;
        private readonly HttpClient _http;
        private readonly RegistryClientOptions _options;

        public NpmRegistryClient(RegistryClientOptions? options = null)
        {
            _options = options ?? new RegistryClientOptions();
            if (_options.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "Timeout must be positive.");
            var handler = _options.Handler ?? new HttpClientHandler
            {
                // followed by hand, so a redirect can never carry the credential to another origin
                AllowAutoRedirect = false,
                UseCookies = false,
                // no default proxy: .NET would take http_proxy/https_proxy (and, on Windows, the system's) for every
                // request, loopback ones included
                UseProxy = _options.Proxy != null,
                Proxy = _options.Proxy != null ? new RegistryWebProxy(_options.Proxy) : null,
            };
            _http = new HttpClient(handler, disposeHandler: _options.Handler == null)
            {
                // our own per-request timeout (below) distinguishes a slow registry from a cancelled pipeline
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            UserAgent = "npmhardening/" + Version;
        }

        public string UserAgent { get; }

        internal static string Version
        {
            get
            {
                var v = typeof(NpmRegistryClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? typeof(NpmRegistryClient).Assembly.GetName().Version?.ToString() ?? "0";
                int plus = v.IndexOf('+');
                return plus > 0 ? v.Substring(0, plus) : v;
            }
        }

        public void Dispose() => _http.Dispose();

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

        private async Task<object?> GetJsonAsync(Uri url, RegistryCredential credential, CancellationToken cancellationToken)
        {
            if (credential == null) throw new ArgumentNullException(nameof(credential));
            var display = RegistryEndpoint.Safe(url.AbsoluteUri);
            var refusal = RegistryEndpoint.CheckTransport(url);
            if (refusal != null) throw new RegistryException(RegistryErrorKind.Refused, display, $"{display}: not contacted: {refusal}");
            if (!credential.CanAuthorize)
                throw new RegistryException(RegistryErrorKind.Refused, display,
                    $"{display}: not contacted: the credential is a client certificate ({credential.Source ?? "?"}), which this module does not send.");

            var current = url;
            for (int hop = 0; ; hop++)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.Timeout);
                var watch = Stopwatch.StartNew();
                using var request = new HttpRequestMessage(HttpMethod.Get, Wire(current, out var hostHeader));
                if (hostHeader != null) request.Headers.Host = hostHeader;
                request.Headers.TryAddWithoutValidation("Accept", "application/json");
                request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                request.Headers.TryAddWithoutValidation("Authorization", credential.AuthorizationHeader);
                var here = RegistryEndpoint.Safe(current.AbsoluteUri);
                HttpResponseMessage response;
                byte[] bytes;
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    bytes = await ReadBodyAsync(response, here, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Log($"GET {here} timed out after {Seconds(_options.Timeout)}");
                    throw new RegistryException(RegistryErrorKind.Timeout, here,
                        $"{here} did not answer within {Seconds(_options.Timeout)}. Check the registry URL and the network, or raise the timeout.");
                }
                catch (HttpRequestException e)
                {
                    var (kind, why) = Describe(e, credential);
                    Log($"GET {here} failed: {why}");
                    throw new RegistryException(kind, here, kind == RegistryErrorKind.Tls
                        ? $"TLS with {here} failed: {why}. Check the registry's certificate (and cafile/NODE_EXTRA_CA_CERTS for a private CA)."
                        : $"Could not reach {here}: {why}.");
                }
                using (response)
                {
                    int status = (int)response.StatusCode;
                    Log($"GET {here} {status} ({watch.ElapsedMilliseconds} ms{Route(current)})");
                    if (status >= 300 && status < 400 && response.Headers.Location != null)
                    {
                        var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(current, response.Headers.Location);
                        if (!SameOrigin(current, next))
                            throw new RegistryException(RegistryErrorKind.CrossOriginRedirect, here,
                                $"{here} redirects to another origin ({Origin(next)}); the request is not repeated there with the credential. Configure the registry URL the redirect names if you trust it.");
                        if (hop >= MaxRedirects) throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: more than {MaxRedirects} redirects.");
                        current = next;
                        continue;
                    }
                    if (status >= 300)
                        throw StatusError(response, here, bytes, credential);
                    var text = Encoding.UTF8.GetString(bytes);
                    if (!JsJson.TryParse(text, out var parsed))
                        throw new RegistryException(RegistryErrorKind.InvalidResponse, here,
                            $"{here} answered {status} with a body that is not JSON ({Describe(response)}); is the URL an npm registry?", status);
                    return parsed;
                }
            }
        }

        /// <summary>
        /// The URL the request is sent to: <paramref name="url"/> itself, except plain http to "localhost", which goes to
        /// the loopback address the name resolves to (with the Host header kept), so no later lookup can move it.
        /// </summary>
        private Uri Wire(Uri url, out string? hostHeader)
        {
            hostHeader = null;
            if (url.Scheme != Uri.UriSchemeHttp || !RegistryEndpoint.IsLocalhostName(url.Host)) return url;
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            IPAddress[] addresses;
            try { addresses = (_options.ResolveHost ?? Dns.GetHostAddresses)(url.Host); }
            catch (Exception e) when (e is System.Net.Sockets.SocketException || e is ArgumentException)
            {
                throw new RegistryException(RegistryErrorKind.Network, here, $"Could not resolve {url.Host}: {e.Message}.");
            }
            if (addresses.Length == 0 || addresses.Any(a => !IPAddress.IsLoopback(a)))
                throw new RegistryException(RegistryErrorKind.Refused, here,
                    $"{here}: not contacted: {url.Host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, not only to loopback addresses, and a credential is only sent over plain http to this machine.");
            var address = addresses[0];
            var builder = new UriBuilder(url) { Host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString() };
            hostHeader = url.IsDefaultPort ? url.Host : url.Host + ":" + url.Port.ToString(CultureInfo.InvariantCulture);
            return builder.Uri;
        }

        private string Route(Uri url) =>
            _options.Handler == null && _options.Proxy != null && !_options.Proxy.Bypasses(url) ? ", via proxy " + _options.Proxy.Display : "";

        private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string here, CancellationToken token)
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[16384];
            while (true)
            {
                int read = await stream.ReadAsync(chunk, 0, chunk.Length, token).ConfigureAwait(false);
                if (read == 0) break;
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxBodyBytes)
                    throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here} sent more than {MaxBodyBytes / (1024 * 1024)} MB; stopped reading.");
            }
            return buffer.ToArray();
        }

        private RegistryException StatusError(HttpResponseMessage response, string here, byte[] body, RegistryCredential credential)
        {
            int status = (int)response.StatusCode;
            // check-response.js: 401 with WWW-Authenticate "ipaddress" or "otp" are not plain auth failures
            var challenge = string.Join(",", response.Headers.WwwAuthenticate.Select(h => h.ToString())).ToLowerInvariant();
            var registryText = ErrorText(body, credential);
            var detail = registryText != null ? $" The registry says: {registryText}" : "";
            if (status == 401 || status == 403)
            {
                var e = new RegistryException(RegistryErrorKind.Unauthorized, here,
                    challenge.Contains("ipaddress")
                        ? $"{here} answered {status}: the credential is not allowed from this IP address (the token's CIDR list).{detail}"
                        : challenge.Contains("otp")
                            ? $"{here} answered {status}: a one-time password is required.{detail}"
                            : $"{here} answered {status}: the registry does not accept the credential ({credential.Kind} from {credential.Source ?? "?"}); it may be revoked or expired.{detail}",
                    status)
                { AddressNotAllowed = challenge.Contains("ipaddress"), NeedsOtp = challenge.Contains("otp") };
                return e;
            }
            if (status == 404) return new RegistryException(RegistryErrorKind.NotFound, here, $"{here} answered 404: the registry does not offer this endpoint.{detail}", status);
            if (status >= 300 && status < 400) return new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here} answered {status} without a Location header.", status);
            return new RegistryException(RegistryErrorKind.HttpStatus, here, $"{here} answered {status} {response.ReasonPhrase}.{detail} Try again later; the answer says nothing about the credential.", status);
        }

        /// <summary>The registry's own error text ({"error": "..."} or a short plain body), scrubbed.</summary>
        private static string? ErrorText(byte[] body, RegistryCredential credential)
        {
            if (body.Length == 0) return null;
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096));
            string? message = null;
            if (JsJson.TryParse(text, out var parsed) && parsed is JsObject o)
                message = o["error"] as string ?? o["message"] as string ?? o["reason"] as string;
            else if (text.IndexOf('<') < 0) message = text.Trim();
            if (string.IsNullOrWhiteSpace(message)) return null;
            message = Scrub(message!, credential);
            if (message.Length > 200) message = message.Substring(0, 200) + "…";
            return message;
        }

        private static (RegistryErrorKind, string) Describe(HttpRequestException e, RegistryCredential credential)
        {
            var kind = RegistryErrorKind.Network;
            var parts = new List<string>();
            for (Exception? x = e; x != null; x = x.InnerException)
            {
                if (x is AuthenticationException) kind = RegistryErrorKind.Tls;
                if (x.GetType().Name.IndexOf("Authentication", StringComparison.Ordinal) >= 0) kind = RegistryErrorKind.Tls;
                if (!string.IsNullOrWhiteSpace(x.Message) && !parts.Contains(x.Message)) parts.Add(x.Message.Trim().TrimEnd('.'));
            }
            if (kind == RegistryErrorKind.Network && parts.Any(p => p.IndexOf("SSL", StringComparison.OrdinalIgnoreCase) >= 0 || p.IndexOf("certificate", StringComparison.OrdinalIgnoreCase) >= 0))
                kind = RegistryErrorKind.Tls;
            return (kind, Scrub(string.Join(": ", parts), credential));
        }

        private static string Describe(HttpResponseMessage response)
        {
            var type = response.Content.Headers.ContentType?.MediaType;
            return type != null ? "content type " + type : "no content type";
        }

        private static string Scrub(string text, RegistryCredential credential)
        {
            var scrubber = new SecretScrubber();
            scrubber.Add(credential.Secret);
            return scrubber.Scrub(text) ?? "";
        }

        private void Log(string line) => _options.Log?.Invoke(line);

        private static Uri Endpoint(string registryUrl, string path)
        {
            if (string.IsNullOrWhiteSpace(registryUrl) || !Uri.TryCreate(registryUrl.Trim(), UriKind.Absolute, out var baseUri) ||
                (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
                throw new RegistryException(RegistryErrorKind.Refused, RegistryEndpoint.Safe(registryUrl ?? ""), $"'{RegistryEndpoint.Safe(registryUrl ?? "")}' is not an http(s) registry URL.");
            if (!string.IsNullOrEmpty(baseUri.UserInfo))
                throw new RegistryException(RegistryErrorKind.Refused, RegistryEndpoint.Safe(registryUrl), $"{RegistryEndpoint.Safe(registryUrl)}: the registry URL holds user info; give credentials with -Credential instead.");
            // npm-registry-fetch joins registry and path with exactly one slash
            var b = baseUri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
            if (!b.EndsWith("/", StringComparison.Ordinal)) b += "/";
            return new Uri(b + path);
        }

        private static RegistryException Invalid(Uri url, string what)
        {
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            return new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {what}.");
        }

        private static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

        private static string Origin(Uri u) => u.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s";

        private static DateTimeOffset? Date(object? v) =>
            v is string s && s.Length > 0 && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
                ? d : (DateTimeOffset?)null;

        /// <summary>Runs the async body off any synchronization context, so cmdlets can block on it safely.</summary>
        private static T Sync<T>(Func<Task<T>> body) => Task.Run(body).GetAwaiter().GetResult();
    }
}
