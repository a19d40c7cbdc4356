using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
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
    /// The one HTTP path every registry call takes (whoami, profile, tokens, stage, and the trust/access/release
    /// clients after them). Rules it enforces whatever the endpoint:
    /// <list type="bullet">
    /// <item>a request goes only over https, or plain http to a loopback address ("localhost" is resolved here and must
    /// give loopback addresses only; the request then goes to that address with the Host header kept);</item>
    /// <item>never through a proxy nobody asked for, never through any proxy to a loopback address;</item>
    /// <item>redirects: GET only, same scheme, host and port, at most five; a write is never replayed elsewhere;</item>
    /// <item>a per-request timeout (for a download: per read, so a large tarball on a slow link is not cut off while
    /// bytes still arrive), and the caller's cancellation;</item>
    /// <item>bodies bounded (8 MB for JSON and errors; downloads by the caller's limit);</item>
    /// <item>429 waits as long as Retry-After asks, within bounds, then fails; a POST is not repeated (npm's fetch does
    /// not repeat one either), its error names the wait;</item>
    /// <item>npm's challenge rules on 401 (check-response.js): a <c>www-authenticate</c> element <c>ipaddress</c> (the
    /// token's CIDR list), <c>otp</c>, or, without that header, a body matching "one-time pass"; an OTP challenge whose
    /// body holds <c>authUrl</c>/<c>doneUrl</c> is npm's web second factor (<see cref="WaitForWebAuthAsync"/>);</item>
    /// <item>log lines and errors carry the method and URL (no query, no user info), never the credential or the OTP.</item>
    /// </list>
    /// Which credential belongs to which registry is the caller's choice (<see cref="RegistryCredentials"/>); the transport
    /// keeps it on that origin.
    /// </summary>
    public sealed class RegistryTransport : IDisposable
    {
        private const int MaxRedirects = 5;
        internal const int MaxBodyBytes = 8 * 1024 * 1024;
        private readonly HttpClient _http;

        public RegistryTransport(RegistryClientOptions? options = null)
        {
            Options = options ?? new RegistryClientOptions();
            if (Options.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "Timeout must be positive.");
            var handler = Options.Handler ?? new HttpClientHandler
            {
                // followed by hand, so a redirect can never carry the credential to another origin
                AllowAutoRedirect = false,
                UseCookies = false,
                // no default proxy: .NET would take http_proxy/https_proxy (and, on Windows, the system's) for every
                // request, loopback ones included
                UseProxy = Options.Proxy != null,
                Proxy = Options.Proxy != null ? new RegistryWebProxy(Options.Proxy) : null,
            };
            _http = new HttpClient(handler, disposeHandler: Options.Handler == null)
            {
                // our own per-request timeout distinguishes a slow registry from a cancelled pipeline
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            UserAgent = "npmhardening/" + Version;
        }

        public RegistryClientOptions Options { get; }
        public string UserAgent { get; }

        internal static string Version
        {
            get
            {
                var v = typeof(RegistryTransport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? typeof(RegistryTransport).Assembly.GetName().Version?.ToString() ?? "0";
                int plus = v.IndexOf('+');
                return plus > 0 ? v.Substring(0, plus) : v;
            }
        }

        public void Dispose() => _http.Dispose();

        // ---- public surface -------------------------------------------------------------------------------

        /// <summary>{registry}/{path}, joined as npm-registry-fetch joins them (one slash); refuses a non-http(s) URL or one with user info.</summary>
        public static Uri Endpoint(string registryUrl, string path)
        {
            if (string.IsNullOrWhiteSpace(registryUrl) || !Uri.TryCreate(registryUrl.Trim(), UriKind.Absolute, out var baseUri) ||
                (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
                throw new RegistryException(RegistryErrorKind.Refused, RegistryEndpoint.Safe(registryUrl ?? ""), $"'{RegistryEndpoint.Safe(registryUrl ?? "")}' is not an http(s) registry URL.");
            if (!string.IsNullOrEmpty(baseUri.UserInfo))
                throw new RegistryException(RegistryErrorKind.Refused, RegistryEndpoint.Safe(registryUrl), $"{RegistryEndpoint.Safe(registryUrl)}: the registry URL holds user info; give credentials with -Credential instead.");
            var b = baseUri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
            if (!b.EndsWith("/", StringComparison.Ordinal)) b += "/";
            return new Uri(b + path.TrimStart('/'));
        }

        /// <summary>Sends the request; a 2xx answer comes back read into memory, anything else is a <see cref="RegistryException"/>.</summary>
        public Task<RegistryResponse> SendAsync(RegistryRequest request, CancellationToken cancellationToken = default) =>
            SendCoreAsync(request, cancellationToken, readIdle: false, async (response, url, token) =>
            {
                var bytes = await ReadBoundedAsync(response, RegistryEndpoint.Safe(url.AbsoluteUri), MaxBodyBytes, token).ConfigureAwait(false);
                return new RegistryResponse((int)response.StatusCode, bytes, response.Content.Headers.ContentType?.MediaType, url);
            });

        /// <summary>Sends the request and parses a JSON answer (an empty body is null); a body that is not JSON is InvalidResponse.</summary>
        public async Task<object?> SendJsonAsync(RegistryRequest request, CancellationToken cancellationToken = default)
        {
            var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Body.Length == 0) return null;
            if (!JsJson.TryParse(response.Text, out var parsed))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, response.Display,
                    $"{response.Display} answered {response.Status} with a body that is not JSON ({response.ContentType ?? "no content type"}); is the URL an npm registry?", response.Status);
            return parsed;
        }

        /// <summary>
        /// Streams a 2xx body into <paramref name="destination"/>, at most <paramref name="maxBytes"/> bytes (more is an
        /// InvalidResponse error; what was written stays the caller's to delete). Returns the byte count.
        /// </summary>
        public Task<long> DownloadAsync(RegistryRequest request, Stream destination, long maxBytes, CancellationToken cancellationToken = default)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes));
            return SendCoreAsync(request, cancellationToken, readIdle: true, async (response, url, token) =>
            {
                var here = RegistryEndpoint.Safe(url.AbsoluteUri);
                var declared = response.Content.Headers.ContentLength;
                if (declared > maxBytes) throw TooLarge(here, maxBytes);
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var chunk = new byte[81920];
                long total = 0;
                while (true)
                {
                    int read = await ReadWithIdleTimeoutAsync(stream, chunk, here, token).ConfigureAwait(false);
                    if (read == 0) break;
                    total += read;
                    if (total > maxBytes) throw TooLarge(here, maxBytes);
                    await destination.WriteAsync(chunk, 0, read, token).ConfigureAwait(false);
                }
                return total;
            });
        }

        /// <summary>
        /// Hands a 2xx body to <paramref name="read"/> as it arrives (on the calling thread, no copy in memory): for
        /// answers too large for the 8 MB bound of <see cref="SendJsonAsync"/>, such as the package documents of popular
        /// packages. More than <paramref name="maxBytes"/> (when the server announces it) or a read idle past the timeout
        /// is an error; the reader enforces the limit on what it actually reads.
        /// </summary>
        public Task<T> ReadStreamAsync<T>(RegistryRequest request, long maxBytes, Func<Stream, CancellationToken, T> read, CancellationToken cancellationToken = default)
        {
            if (read == null) throw new ArgumentNullException(nameof(read));
            if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes));
            return SendCoreAsync(request, cancellationToken, readIdle: true, async (response, url, token) =>
            {
                var here = RegistryEndpoint.Safe(url.AbsoluteUri);
                if (response.Content.Headers.ContentLength > maxBytes) throw TooLarge(here, maxBytes);
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                using var idle = new IdleReadStream(this, stream, here, token);
                return read(idle, token);
            });
        }

        /// <summary>A response stream whose every read must produce bytes within the timeout (the transport's idle rule).</summary>
        private sealed class IdleReadStream : Stream
        {
            private readonly RegistryTransport _owner;
            private readonly Stream _inner;
            private readonly string _here;
            private readonly CancellationToken _token;

            public IdleReadStream(RegistryTransport owner, Stream inner, string here, CancellationToken token)
            {
                _owner = owner;
                _inner = inner;
                _here = here;
                _token = token;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_token);
                idle.CancelAfter(_owner.Options.Timeout);
                try { return _inner.ReadAsync(buffer, offset, count, idle.Token).GetAwaiter().GetResult(); }
                catch (OperationCanceledException) when (!_token.IsCancellationRequested)
                {
                    _owner.Log($"{_here}: no bytes for {Seconds(_owner.Options.Timeout)}; stopped");
                    throw _owner.TimedOut(_here);
                }
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        /// <summary>
        /// Page-numbered lists as <c>npm stage list</c> reads them: page 0, 1, ... with <paramref name="perPage"/>; stops when
        /// the items collected reach the announced total or a page is short. <paramref name="read"/> turns one page's JSON
        /// into its items and total (it throws for a body of the wrong shape). Bounded by the options' MaxPages.
        /// </summary>
        public async Task<List<T>> CollectPagesAsync<T>(Func<int, RegistryRequest> page, Func<object?, RegistryResponsePage<T>> read, int perPage, CancellationToken cancellationToken = default)
        {
            if (perPage <= 0) throw new ArgumentOutOfRangeException(nameof(perPage));
            var items = new List<T>();
            for (int n = 0; ; n++)
            {
                var request = page(n);
                if (n >= Options.MaxTokenPages)
                    throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(request.Url.AbsoluteUri),
                        $"{RegistryEndpoint.Safe(request.Url.AbsoluteUri)}: the list has more than {Options.MaxTokenPages} pages; stopped.");
                var body = await SendJsonAsync(request, cancellationToken).ConfigureAwait(false);
                var result = read(body);
                items.AddRange(result.Items);
                // list.js: stop when items.length >= total or the page is short (a missing total compares false in JS,
                // so only the short page ends such a list)
                if ((result.Total.HasValue && items.Count >= result.Total.Value) || result.Items.Count < perPage) return items;
            }
        }

        /// <summary>
        /// npm's web second factor (npm-profile webAuthCheckLogin): polls <paramref name="doneUrl"/> until it answers 200
        /// with <c>{token}</c>, which is the one-time password for the replay. 202 means wait: Retry-After seconds (at
        /// least one second here, where npm would poll again at once), all within the options' WebAuthTimeout. The done
        /// URL must be https or loopback; it gets the credential only when it lies under <paramref name="registry"/>.
        /// </summary>
        public async Task<string> WaitForWebAuthAsync(string doneUrl, string registry, RegistryCredential? credential, CancellationToken cancellationToken = default)
        {
            if (!Uri.TryCreate(doneUrl, UriKind.Absolute, out var done) || (done.Scheme != Uri.UriSchemeHttps && done.Scheme != Uri.UriSchemeHttp))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(registry), $"{RegistryEndpoint.Safe(registry)}: the web second-factor answer names a done URL that is not http(s).");
            var registryUri = Endpoint(registry, "");
            bool underRegistry = SameOrigin(done, registryUri) && done.AbsolutePath.StartsWith(registryUri.AbsolutePath, StringComparison.Ordinal);
            var watch = Stopwatch.StartNew();
            var here = RegistryEndpoint.Safe(done.AbsoluteUri);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var request = new RegistryRequest(HttpMethod.Get, done, underRegistry ? credential : null);
                var (status, body, retryAfter) = await SendCoreAsync(request, cancellationToken, readIdle: false, async (response, url, token) =>
                {
                    var bytes = await ReadBoundedAsync(response, here, MaxBodyBytes, token).ConfigureAwait(false);
                    return ((int)response.StatusCode, bytes, RetryAfterOf(response));
                }).ConfigureAwait(false);
                JsJson.TryParse(Encoding.UTF8.GetString(body), out var parsed);
                if (status == 200)
                {
                    if (parsed is JsObject o && o["token"] is string code && code.Length > 0) return code;
                    throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here} answered 200 without the one-time code ('token').", status);
                }
                if (status != 202)
                    throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here} answered {status} while waiting for the web second factor.", status);
                var wait = retryAfter ?? TimeSpan.Zero;
                if (wait < TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
                if (watch.Elapsed + wait > Options.WebAuthTimeout)
                    throw new RegistryException(RegistryErrorKind.Timeout, here,
                        $"The web second factor was not completed within {Seconds(Options.WebAuthTimeout)}. Open the URL again and approve, or pass -Otp.");
                Log($"GET {here} 202: waiting {Seconds(wait)} for the web second factor");
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Runs the async body off any synchronization context, so cmdlets can block on it safely.</summary>
        public static T Sync<T>(Func<Task<T>> body) => Task.Run(body).GetAwaiter().GetResult();

        // ---- the request loop -----------------------------------------------------------------------------

        private async Task<T> SendCoreAsync<T>(RegistryRequest request, CancellationToken cancellationToken, bool readIdle,
            Func<HttpResponseMessage, Uri, CancellationToken, Task<T>> onSuccess)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var credential = request.Credential;
            var display = RegistryEndpoint.Safe(request.Url.AbsoluteUri);
            var refusal = RegistryEndpoint.CheckTransport(request.Url);
            if (refusal != null) throw new RegistryException(RegistryErrorKind.Refused, display, $"{display}: not contacted: {refusal}");
            if (credential != null && !credential.CanAuthorize)
                throw new RegistryException(RegistryErrorKind.Refused, display,
                    $"{display}: not contacted: the credential is a client certificate ({credential.Source ?? "?"}), which this module does not send.");

            var current = request.Url;
            int rateLimited = 0;
            for (int hop = 0; ; )
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(Options.Timeout);
                var watch = Stopwatch.StartNew();
                var here = RegistryEndpoint.Safe(current.AbsoluteUri);
                var verb = request.Method.Method;
                using var message = Build(request, current);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Log($"{verb} {here} timed out after {Seconds(Options.Timeout)}");
                    throw TimedOut(here);
                }
                catch (HttpRequestException e)
                {
                    var (kind, why) = Describe(e, Scrubber(request));
                    Log($"{verb} {here} failed: {why}");
                    throw new RegistryException(kind, here, kind == RegistryErrorKind.Tls
                        ? $"TLS with {here} failed: {why}. Check the registry's certificate (and cafile/NODE_EXTRA_CA_CERTS for a private CA)."
                        : $"Could not reach {here}: {why}.");
                }
                using (response)
                {
                    int status = (int)response.StatusCode;
                    Log($"{verb} {here} {status} ({watch.ElapsedMilliseconds} ms{Route(current)})");
                    if (status >= 200 && status < 300)
                    {
                        // a download resets its own timer per read; a JSON answer must arrive whole within the timeout
                        var token = readIdle ? cancellationToken : timeout.Token;
                        try { return await onSuccess(response, current, token).ConfigureAwait(false); }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            Log($"{verb} {here} timed out reading the answer after {Seconds(Options.Timeout)}");
                            throw TimedOut(here);
                        }
                    }
                    if (status >= 300 && status < 400 && response.Headers.Location != null)
                    {
                        var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(current, response.Headers.Location);
                        if (!SameOrigin(current, next))
                            throw new RegistryException(RegistryErrorKind.CrossOriginRedirect, here,
                                $"{here} redirects to another origin ({Origin(next)}); the request is not repeated there with the credential. Configure the registry URL the redirect names if you trust it.");
                        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
                            throw new RegistryException(RegistryErrorKind.InvalidResponse, here,
                                $"{here} answered {verb} with a redirect ({status}); a change is not replayed at another address.", status);
                        if (++hop > MaxRedirects) throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: more than {MaxRedirects} redirects.");
                        current = next;
                        continue;
                    }
                    byte[] body;
                    try { body = await ReadBoundedAsync(response, here, MaxBodyBytes, timeout.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { throw TimedOut(here); }
                    if (status == 429)
                    {
                        var asked = RetryAfterOf(response);
                        var wait = asked ?? TimeSpan.FromSeconds(Math.Pow(2, rateLimited));
                        // a POST (approve, stage publish) is not repeated, as npm's fetch does not repeat one: the answer
                        // names the wait instead
                        bool repeatable = request.Method != HttpMethod.Post && request.Method.Method != "PATCH";
                        if (!repeatable || rateLimited >= Options.MaxRateLimitRetries || wait > Options.MaxRetryAfter)
                        {
                            var e = new RegistryException(RegistryErrorKind.RateLimited, here,
                                $"{here} answered 429 (too many requests)" + (asked.HasValue ? $" and asks to wait {Seconds(asked.Value)}" : "") +
                                (rateLimited > 0 ? $" after {rateLimited} retr{(rateLimited == 1 ? "y" : "ies")}" : "") + ". Try again later.", status)
                            { RetryAfter = asked };
                            throw e;
                        }
                        rateLimited++;
                        Log($"{verb} {here} 429: waiting {Seconds(wait)} as asked, then retry {rateLimited} of {Options.MaxRateLimitRetries}");
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    throw StatusError(response, request, here, body);
                }
            }
        }

        private HttpRequestMessage Build(RegistryRequest request, Uri url)
        {
            var message = new HttpRequestMessage(request.Method, Wire(url, out var hostHeader));
            if (hostHeader != null) message.Headers.Host = hostHeader;
            message.Headers.TryAddWithoutValidation("Accept", request.Accept);
            message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            foreach (var h in request.Headers)
            {
                if (h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("npm-otp", StringComparison.OrdinalIgnoreCase)) continue;
                message.Headers.TryAddWithoutValidation(h.Key, h.Value);
            }
            var authorization = request.Credential?.AuthorizationHeader;
            if (authorization != null) message.Headers.TryAddWithoutValidation("Authorization", authorization);
            if (!string.IsNullOrEmpty(request.Otp)) message.Headers.TryAddWithoutValidation("npm-otp", request.Otp);
            if (request.JsonBody != null)
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.JsonBody));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                message.Content = content;
            }
            else if (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put)
            {
                // an empty write still says how long it is, as node's fetch does
                message.Content = new ByteArrayContent(Array.Empty<byte>());
            }
            return message;
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
            try { addresses = (Options.ResolveHost ?? Dns.GetHostAddresses)(url.Host); }
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
            Options.Handler == null && Options.Proxy != null && !Options.Proxy.Bypasses(url) ? ", via proxy " + Options.Proxy.Display : "";

        private async Task<int> ReadWithIdleTimeoutAsync(Stream stream, byte[] chunk, string here, CancellationToken cancellationToken)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(Options.Timeout);
            try { return await stream.ReadAsync(chunk, 0, chunk.Length, idle.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log($"{here}: no bytes for {Seconds(Options.Timeout)}; stopped");
                throw TimedOut(here);
            }
        }

        private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, string here, int limit, CancellationToken token)
        {
            if (response.Content.Headers.ContentLength > limit) throw TooLarge(here, limit);
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[16384];
            while (true)
            {
                int read = await stream.ReadAsync(chunk, 0, chunk.Length, token).ConfigureAwait(false);
                if (read == 0) break;
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit) throw TooLarge(here, limit);
            }
            return buffer.ToArray();
        }

        private static RegistryException TooLarge(string here, long limit) =>
            new RegistryException(RegistryErrorKind.InvalidResponse, here,
                $"{here} sent more than {(limit >= 1024 * 1024 ? (limit / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MB" : limit.ToString(CultureInfo.InvariantCulture) + " bytes")}; stopped reading.");

        private RegistryException TimedOut(string here) =>
            new RegistryException(RegistryErrorKind.Timeout, here,
                $"{here} did not answer within {Seconds(Options.Timeout)}. Check the registry URL and the network, or raise the timeout.");

        /// <summary>Retry-After as seconds or an HTTP date; null when absent or unreadable.</summary>
        internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (header?.Date is DateTimeOffset date)
            {
                var d = date - DateTimeOffset.UtcNow;
                return d < TimeSpan.Zero ? TimeSpan.Zero : d;
            }
            return null;
        }

        // ---- errors ---------------------------------------------------------------------------------------

        private RegistryException StatusError(HttpResponseMessage response, RegistryRequest request, string here, byte[] body)
        {
            int status = (int)response.StatusCode;
            var credential = request.Credential;
            var scrubber = Scrubber(request);
            var registryText = ErrorText(body, scrubber);
            var detail = registryText != null ? $" The registry says: {registryText}" : "";
            var verb = request.Method.Method;
            if (status == 401)
            {
                // check-response.js: with a www-authenticate header, its comma-separated elements decide; without one, a
                // body mentioning a one-time password is an OTP challenge too
                var elements = response.Headers.WwwAuthenticate.Select(h => h.ToString())
                    .SelectMany(h => h.Split(',')).Select(s => s.Trim().ToLowerInvariant()).ToList();
                bool hasHeader = response.Headers.WwwAuthenticate.Count > 0;
                bool ip = hasHeader && elements.Contains("ipaddress");
                bool otp = hasHeader ? !ip && elements.Contains("otp") : Encoding.UTF8.GetString(body).IndexOf("one-time pass", StringComparison.Ordinal) >= 0;
                string message;
                if (ip) message = $"{verb} {here} answered 401: the credential is not allowed from this IP address (the token's CIDR list).{detail}";
                else if (otp && !string.IsNullOrEmpty(request.Otp)) message = $"{verb} {here} answered 401: the registry rejected the one-time password.{detail}";
                else if (otp) message = $"{verb} {here} answered 401: a one-time password is required. Pass -Otp with a current code from your authenticator.{detail}";
                else message = $"{verb} {here} answered 401: the registry does not accept the credential" +
                               (credential != null ? $" ({credential.Kind} from {credential.Source ?? "?"}); it may be revoked or expired." : ".") + detail;
                var e = new RegistryException(RegistryErrorKind.Unauthorized, here, message, status) { AddressNotAllowed = ip, NeedsOtp = otp, OtpWasSent = !string.IsNullOrEmpty(request.Otp) };
                if (otp && JsJson.TryParse(Encoding.UTF8.GetString(body), out var parsed) && parsed is JsObject o &&
                    o["authUrl"] is string authUrl && o["doneUrl"] is string doneUrl && IsHttpUrl(authUrl) && IsHttpUrl(doneUrl))
                {
                    e.WebAuthUrl = scrubber.Scrub(authUrl);
                    e.WebDoneUrl = doneUrl;
                }
                return e;
            }
            if (status == 403)
                return new RegistryException(RegistryErrorKind.Unauthorized, here,
                    $"{verb} {here} answered 403: the credential" + (credential != null ? $" ({credential.Kind} from {credential.Source ?? "?"})" : "") +
                    $" is not allowed to do this.{detail}", status);
            if (status == 404) return new RegistryException(RegistryErrorKind.NotFound, here, $"{verb} {here} answered 404: the registry has no such endpoint or object.{detail}", status);
            if (status == 409) return new RegistryException(RegistryErrorKind.HttpStatus, here, $"{verb} {here} answered 409 (conflict): the object changed or the action was already taken.{detail}", status);
            if (status >= 300 && status < 400) return new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here} answered {status} without a Location header.", status);
            return new RegistryException(RegistryErrorKind.HttpStatus, here,
                $"{verb} {here} answered {status} {response.ReasonPhrase}.{detail}" + (status >= 500 ? " Try again later; the answer says nothing about the credential." : ""), status);
        }

        private static bool IsHttpUrl(string s) =>
            Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp);

        /// <summary>The registry's own error text ({"error": "..."} or a short plain body), scrubbed.</summary>
        private static string? ErrorText(byte[] body, SecretScrubber scrubber)
        {
            if (body.Length == 0) return null;
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096));
            string? message = null;
            if (JsJson.TryParse(text, out var parsed) && parsed is JsObject o)
                message = o["error"] as string ?? o["message"] as string ?? o["reason"] as string;
            else if (text.IndexOf('<') < 0) message = text.Trim();
            if (string.IsNullOrWhiteSpace(message)) return null;
            message = scrubber.Scrub(message!) ?? "";
            if (message.Length > 200) message = message.Substring(0, 200) + "…";
            return message;
        }

        private static (RegistryErrorKind, string) Describe(HttpRequestException e, SecretScrubber scrubber)
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
            return (kind, scrubber.Scrub(string.Join(": ", parts)) ?? "");
        }

        /// <summary>Knows the request's credential and one-time password, so neither can reach a message.</summary>
        private static SecretScrubber Scrubber(RegistryRequest request)
        {
            var scrubber = new SecretScrubber();
            scrubber.Add(request.Credential?.Secret);
            scrubber.Add(request.Credential?.Token);
            scrubber.Add(request.Otp);
            return scrubber;
        }

        internal void Log(string line) => Options.Log?.Invoke(line);

        internal static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

        internal static string Origin(Uri u) => u.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

        internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s";
    }
}
